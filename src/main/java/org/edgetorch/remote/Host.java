package org.edgetorch.remote;

import org.edgetorch.util.UserError;

/**
 * One board as the user named it: {@code user@name} (the user defaults to the local one), with the SSH
 * port of {@code --port} unless it says its own ({@code user@name:2222}). A name is a host name or an
 * address; {@code [::1]} brackets an IPv6 address.
 */
public record Host(String user, String name, int port) {

    public Host {
        if (port < 1 || port > 65535) throw new UserError("--port " + port + ": not a TCP port (1 to 65535)");
    }

    public static Host parse(String text, int port, String localUser) {
        String t = text.strip();
        int at = t.lastIndexOf('@');
        String user = at < 0 ? localUser : t.substring(0, at);
        String name = at < 0 ? t : t.substring(at + 1);
        int p = port;
        // host:port and [v6-address]:port name a port of their own (a board behind a forwarded port)
        int colon = name.lastIndexOf(':');
        boolean bracketed = name.startsWith("[") && name.lastIndexOf(']') < colon;
        if (colon > 0 && (bracketed || name.indexOf(':') == colon)) {
            try {
                p = Integer.parseInt(name.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new UserError("--host '" + text + "': the port after ':' is not a number");
            }
            name = name.substring(0, colon);
        }
        if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
        if (user.isEmpty() || name.isEmpty() || !name.matches("[A-Za-z0-9._:%-]+") || !user.matches("[A-Za-z0-9._-]+")) {
            throw new UserError("--host '" + text + "': expected user@host or user@host:port (a host name or an address)");
        }
        return new Host(user, name, p);
    }

    /** How the host is named in progress lines and reports: {@code user@host}, with the port when not 22. */
    public String label() {
        String n = name.contains(":") ? "[" + name + "]" : name;
        return user + "@" + n + (port == 22 ? "" : ":" + port);
    }

    @Override
    public String toString() {
        return label();
    }
}
