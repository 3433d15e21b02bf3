package org.edgetorch.backend;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in for {@link OneDnnGuard}'s child: ends as the file it is given says (its name for --load, its content for
 * --packs): "fpe" kills itself with SIGFPE as oneDNN's division by zero does, "exitN" exits with N.
 */
public final class GuardChild {
    public static void main(String[] args) throws Exception {
        String how = null;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--load")) how = Path.of(args[i + 1]).getFileName().toString().replaceFirst("\\.pt$", "");
            if (args[i].equals("--packs")) how = Files.readString(Path.of(args[i + 1])).strip();
        }
        if ("fpe".equals(how)) {
            new ProcessBuilder("kill", "-FPE", Long.toString(ProcessHandle.current().pid())).inheritIO().start().waitFor();
            Thread.sleep(10_000);
            System.exit(136); // the signal did not end it: say so as a shell would
        }
        System.exit(how != null && how.startsWith("exit") ? Integer.parseInt(how.substring(4)) : 3);
    }
}
