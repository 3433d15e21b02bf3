package org.edgetorch.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Which edgetorch jar a board runs: the one given with {@code --jar}, else the first default candidate
 * (the cross-built {@code target/edgetorch.jar}, then the running jar) that carries natives for the
 * board's platform. A jar's platforms are read from the native folders it holds (JavaCPP's and ONNX
 * Runtime's); a jar without any (a launcher whose manifest points at a class path) fits every platform.
 */
public final class JarChoice {
    private static final ConcurrentHashMap<Path, Set<String>> PLATFORMS = new ConcurrentHashMap<>();

    private JarChoice() {
    }

    /** The board's platform in JavaCPP's naming, from its JVM's os.arch; null for one edgetorch has no jar for. */
    public static String boardPlatform(String osArch) {
        return switch (osArch.strip().toLowerCase(Locale.ROOT)) {
            case "aarch64", "arm64", "aarch64_be" -> "linux-arm64";
            case "x86_64", "amd64" -> "linux-x86_64";
            default -> null;
        };
    }

    /** The platforms whose natives the jar carries (JavaCPP names); empty when it carries none. */
    public static Set<String> platforms(Path jar) {
        return PLATFORMS.computeIfAbsent(jar.toAbsolutePath().normalize(), JarChoice::read);
    }

    private static Set<String> read(Path jar) {
        Set<String> out = new TreeSet<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                String n = e.nextElement().getName();
                String p = platformOf(n);
                if (p != null) out.add(p);
            }
        } catch (IOException e) {
            throw new StepFailure("check", jar + ": not a jar (" + e.getMessage() + ")");
        }
        return Set.copyOf(out);
    }

    /** A jar entry's platform: {@code org/bytedeco/<lib>/<platform>/...} or {@code ai/onnxruntime/native/<platform>/...}. */
    static String platformOf(String entry) {
        String[] parts = entry.split("/");
        if (parts.length >= 4 && parts[0].equals("ai") && parts[1].equals("onnxruntime") && parts[2].equals("native")) {
            return switch (parts[3]) {
                case "linux-x64" -> "linux-x86_64";
                case "linux-aarch64" -> "linux-arm64";
                case "osx-x64" -> "macosx-x86_64";
                case "osx-aarch64" -> "macosx-arm64";
                case "win-x64" -> "windows-x86_64";
                default -> null;
            };
        }
        if (parts.length >= 4 && parts[0].equals("org") && parts[1].equals("bytedeco") && parts[3].matches("(linux|macosx|windows)-[a-z0-9_]+")) {
            return parts[3];
        }
        return null;
    }

    /**
     * The jar for a board of {@code platform}: {@code given} when it fits, else the first candidate that does.
     * Fails at step {@code check} naming what to build.
     */
    public static Path choose(String platform, Path given, List<Path> candidates) {
        if (given != null) {
            if (!Files.isRegularFile(given)) throw new StepFailure("check", "--jar " + given + ": no such file");
            Set<String> p = platforms(given);
            if (!p.isEmpty() && !p.contains(platform)) {
                throw new StepFailure("check", "--jar " + given + " is built for " + String.join(", ", p) + ", the board is " + platform);
            }
            return given;
        }
        List<String> tried = new ArrayList<>();
        for (Path c : candidates) {
            if (c == null || !Files.isRegularFile(c)) continue;
            Set<String> p = platforms(c);
            if (p.isEmpty() || p.contains(platform)) return c;
            tried.add(c + " (" + String.join(", ", p) + ")");
        }
        throw new StepFailure("check", "no edgetorch jar for " + platform + (tried.isEmpty() ? "" : " among " + String.join(", ", tried))
                + ": build one (README: mvn -Djavacpp.platform=" + platform + " -DskipTests package) and pass --jar");
    }
}
