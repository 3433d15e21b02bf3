package org.edgetorch.cli;

import picocli.CommandLine;

/** {@code edgetorch --version}: the jar's own version (the LibTorch in use is {@code info}'s business). */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[]{"edgetorch " + version()};
    }

    /** The jar's version (the build's when run from classes). */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }
}
