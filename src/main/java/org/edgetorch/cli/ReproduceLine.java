package org.edgetorch.cli;

import picocli.CommandLine;

/** The command as a user would type it again, for a report's "how to reproduce" (shell-quoted where needed). */
final class ReproduceLine {
    private ReproduceLine() {
    }

    static String of(CommandLine.Model.CommandSpec spec) {
        StringBuilder b = new StringBuilder("java -jar target/edgetorch.jar");
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            b.append(' ').append(a.matches("[A-Za-z0-9_./,=:@%+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }
}
