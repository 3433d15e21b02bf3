package org.edgetorch.backend.bridge;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.tools.Builder;
import org.bytedeco.javacpp.tools.Logger;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Compiles the bridge on the machine it runs on, against any LibTorch with headers, with JavaCPP's Builder
 * and the system's C++ compiler: what {@code edgetorch bridge build --libtorch DIR} does. The C++ sources
 * travel in the jar ({@code org/edgetorch/backend/bridge/src/}).
 */
public final class BridgeBuilder {
    private static final String[] SOURCES = {"edgetorch_bridge.h", "edgetorch_bridge.cpp", "edgetorch_clock.h", "edgetorch_bridge_env.h"};

    /** Where a LibTorch keeps its headers and libraries, and the C++ ABI its libraries use. */
    public record LibTorchLayout(Path root, Path include, Path lib, Boolean cxx11Abi) {
        List<Path> includePaths() {
            return List.of(include, include.resolve("torch/csrc/api/include"));
        }
    }

    private BridgeBuilder() {
    }

    /**
     * Finds headers and libraries under DIR: a LibTorch zip ({@code include/}, {@code lib/}), a pip torch
     * package ({@code site-packages/torch}, same layout), or a Debian-style prefix ({@code /usr}: headers in
     * {@code include/}, libraries in {@code lib/<multiarch>/}).
     */
    public static LibTorchLayout locate(Path dir) {
        if (!Files.isDirectory(dir)) throw new UserError(dir + ": not a directory (expected a LibTorch with include/ and lib/)");
        Path include = dir.resolve("include");
        if (!Files.isRegularFile(include.resolve("torch/script.h"))) {
            throw new UserError(dir + ": no LibTorch headers (include/torch/script.h); install them (Debian / Raspberry Pi OS: "
                    + "sudo apt install libtorch-dev, then --libtorch /usr), or pass an unpacked LibTorch zip or a pip torch package folder");
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(dir.resolve("lib"));
        for (String multiarch : new String[]{"aarch64-linux-gnu", "x86_64-linux-gnu", "arm-linux-gnueabihf"}) {
            candidates.add(dir.resolve("lib").resolve(multiarch));
        }
        for (Path lib : candidates) {
            if (Files.exists(lib.resolve(System.mapLibraryName("torch_cpu")))) {
                return new LibTorchLayout(dir, include, lib, cxx11Abi(dir, lib));
            }
        }
        for (Path lib : candidates) {
            if (hasVersioned(lib, "torch_cpu")) {
                throw new UserError(lib + " has a versioned LibTorch only (" + System.mapLibraryName("torch_cpu")
                        + ".N); the bridge links the unversioned names: install the development package (sudo apt install libtorch-dev)");
            }
        }
        throw new UserError(dir + ": no " + System.mapLibraryName("torch_cpu") + " under lib/ or lib/<multiarch>/");
    }

    private static boolean hasVersioned(Path lib, String name) {
        if (!Files.isDirectory(lib)) return false;
        try (Stream<Path> s = Files.list(lib)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(System.mapLibraryName(name) + "."));
        } catch (IOException e) {
            return false;
        }
    }

    private static final Pattern ABI = Pattern.compile("_GLIBCXX_USE_CXX11_ABI=([01])");

    /**
     * LibTorch zips and pip wheels say in TorchConfig.cmake which libstdc++ ABI they were built with (older
     * x86 wheels used the pre-C++11 one); the bridge must match or loading fails with undefined symbols.
     * Null when unknown (the compiler's default, right for Debian's packages).
     */
    static Boolean cxx11Abi(Path root, Path lib) {
        for (Path cfg : new Path[]{root.resolve("share/cmake/Torch/TorchConfig.cmake"), lib.resolve("cmake/Torch/TorchConfig.cmake")}) {
            if (!Files.isRegularFile(cfg)) continue;
            try {
                Matcher m = ABI.matcher(Files.readString(cfg));
                if (m.find()) return m.group(1).equals("1");
            } catch (IOException ignored) {
                // unknown
            }
        }
        return null;
    }

    /**
     * Builds {@link BridgeLibrary#FILE_NAME} for this platform into {@code outDir} (atomically) and returns
     * its path. {@code log} receives JavaCPP's and the compiler's progress lines.
     */
    public static Path build(Path libtorch, Path outDir, String compiler, PrintStream log) {
        LibTorchLayout layout = locate(libtorch);
        Path work;
        try {
            work = Files.createTempDirectory("edgetorch-bridge-build");
        } catch (IOException e) {
            throw new UserError("cannot create a temporary build folder: " + e.getMessage());
        }
        try {
            Path src = work.resolve("src");
            Path out = work.resolve("out");
            Files.createDirectories(src);
            Files.createDirectories(out);
            for (String name : SOURCES) {
                try (InputStream in = BridgeBuilder.class.getResourceAsStream("src/" + name)) {
                    if (in == null) throw new UserError("this jar lacks the bridge's C++ sources (org/edgetorch/backend/bridge/src/" + name + ")");
                    Files.copy(in, src.resolve(name));
                }
            }
            List<String> options = new ArrayList<>();
            // The environment library must not depend on LibTorch (it runs before LibTorch loads).
            options.add("-Wl,--as-needed");
            if (layout.cxx11Abi() != null) options.add("-D_GLIBCXX_USE_CXX11_ABI=" + (layout.cxx11Abi() ? 1 : 0));
            Builder builder = new Builder(new StreamLogger(log))
                    .properties(Loader.getPlatform())
                    .classPaths(classPath())
                    .outputDirectory(out.toFile())
                    .deleteJniFiles(true)
                    .compilerOptions(options.toArray(String[]::new));
            if (compiler != null && !compiler.isBlank()) builder.property("platform.compiler", compiler);
            builder.addProperty("platform.includepath", src.toString());
            for (Path p : layout.includePaths()) builder.addProperty("platform.includepath", p.toString());
            builder.addProperty("platform.linkpath", layout.lib().toString());
            builder.addProperty("platform.link", "torch", "torch_cpu", "c10");
            builder.classesOrPackages(BridgeNative.class.getName(), BridgeEnvironment.class.getName());
            java.io.File[] built = builder.build();
            Path lib = built == null ? null : findLibrary(out, BridgeLibrary.FILE_NAME);
            Path env = built == null ? null : findLibrary(out, BridgeLibrary.ENVIRONMENT_FILE_NAME);
            if (lib == null || env == null) {
                throw new UserError("compiling the bridge failed (see the compiler's messages above); it needs a C++17 compiler ("
                        + (compiler == null ? "g++" : compiler) + ") and a JDK (jni.h): sudo apt install g++ openjdk-17-jdk-headless");
            }
            AtomicFiles.write(outDir.resolve(BridgeLibrary.ENVIRONMENT_FILE_NAME), tmp -> Files.copy(env, tmp, StandardCopyOption.REPLACE_EXISTING));
            Path target = outDir.resolve(BridgeLibrary.FILE_NAME);
            AtomicFiles.write(target, tmp -> Files.copy(lib, tmp, StandardCopyOption.REPLACE_EXISTING));
            return target;
        } catch (IOException | InterruptedException e) {
            throw new UserError("building the bridge failed: " + e.getMessage(), e);
        } catch (org.bytedeco.javacpp.tools.ParserException | ClassNotFoundException | NoClassDefFoundError e) {
            throw new UserError("building the bridge failed: " + e, e);
        } finally {
            deleteTree(work);
        }
    }

    /** The jar (or classes folder) this class came from: JavaCPP's Builder reads BridgeNative from it. */
    private static String classPath() {
        try {
            return Path.of(BridgeNative.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            return System.getProperty("java.class.path");
        }
    }

    private static Path findLibrary(Path out, String name) throws IOException {
        try (Stream<Path> s = Files.walk(out)) {
            return s.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElse(null);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    /** JavaCPP's progress lines (the compiler command, warnings) to a stream, or nowhere. */
    private static final class StreamLogger extends Logger {
        private final PrintStream out;

        StreamLogger(PrintStream out) {
            this.out = out;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public void info(String s) {
            if (out != null) out.println(s);
        }

        @Override
        public void warn(String s) {
            if (out != null) out.println("warning: " + s);
        }

        @Override
        public void error(String s) {
            if (out != null) out.println("error: " + s);
        }
    }
}
