package org.edgetorch.remote;

import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of {@code edgetorch remote}: host names, which jar a board gets, what the board's Java says. No SSH here. */
class RemotePartsTest {
    @TempDir
    Path dir;

    @Test
    void hostsParseWithUserAndPort() {
        assertEquals(new Host("pi", "pi.local", 22), Host.parse("pi@pi.local", 22, "me"));
        assertEquals(new Host("me", "pi.local", 2200), Host.parse("pi.local", 2200, "me"));
        assertEquals(new Host("pi", "10.0.0.5", 2222), Host.parse("pi@10.0.0.5:2222", 22, "me"));
        assertEquals(new Host("pi", "fe80::1", 22), Host.parse("pi@fe80::1", 22, "me"));
        assertEquals(new Host("pi", "::1", 2222), Host.parse("pi@[::1]:2222", 22, "me"));
        assertEquals("pi@[::1]:2222", Host.parse("pi@[::1]:2222", 22, "me").label());
        assertEquals("pi@pi.local", Host.parse("pi@pi.local", 22, "me").label());
        assertThrows(UserError.class, () -> Host.parse("pi@", 22, "me"));
        assertThrows(UserError.class, () -> Host.parse("pi@host;rm -rf", 22, "me"));
        assertThrows(UserError.class, () -> Host.parse("pi@host:port", 22, "me"));
        assertThrows(UserError.class, () -> Host.parse("pi@host", 0, "me"));
    }

    @Test
    void boardPlatformComesFromTheJvmsArchitecture() {
        assertEquals("linux-arm64", JarChoice.boardPlatform("aarch64"));
        assertEquals("linux-x86_64", JarChoice.boardPlatform("amd64"));
        assertNull(JarChoice.boardPlatform("arm"));  // a 32-bit JVM on a Pi
    }

    @Test
    void aJarsPlatformsAreItsNativeFolders() {
        assertEquals("linux-arm64", JarChoice.platformOf("ai/onnxruntime/native/linux-aarch64/libonnxruntime.so"));
        assertEquals("linux-x86_64", JarChoice.platformOf("org/bytedeco/pytorch/linux-x86_64/libtorch_cpu.so"));
        assertEquals("linux-arm64", JarChoice.platformOf("org/bytedeco/javacpp/linux-arm64/libjnijavacpp.so"));
        assertNull(JarChoice.platformOf("org/bytedeco/pytorch/Module.class"));
        assertNull(JarChoice.platformOf("org/edgetorch/cli/Main.class"));
    }

    @Test
    void theFirstJarThatFitsTheBoardIsChosen() throws IOException {
        Path x86 = jar("x86.jar", "ai/onnxruntime/native/linux-x64/libonnxruntime.so");
        Path arm = jar("arm.jar", "ai/onnxruntime/native/linux-aarch64/libonnxruntime.so", "org/bytedeco/javacpp/linux-arm64/x.so");
        Path launcher = jar("launcher.jar", "META-INF/MANIFEST.MF");
        assertEquals(Set.of("linux-arm64"), JarChoice.platforms(arm));
        assertEquals(arm, JarChoice.choose("linux-arm64", null, List.of(x86, arm)));
        assertEquals(x86, JarChoice.choose("linux-x86_64", null, List.of(x86, arm)));
        assertEquals(launcher, JarChoice.choose("linux-arm64", launcher, List.of()));
        StepFailure wrong = assertThrows(StepFailure.class, () -> JarChoice.choose("linux-arm64", x86, List.of(arm)));
        assertEquals("check", wrong.step());
        assertTrue(wrong.getMessage().contains("is built for linux-x86_64, the board is linux-arm64"), wrong.getMessage());
        StepFailure none = assertThrows(StepFailure.class, () -> JarChoice.choose("linux-arm64", null, List.of(x86, dir.resolve("absent.jar"))));
        assertTrue(none.getMessage().startsWith("no edgetorch jar for linux-arm64 among " + x86), none.getMessage());
        assertTrue(none.getMessage().contains("-Djavacpp.platform=linux-arm64"), none.getMessage());
    }

    @Test
    void theBoardsJavaIsReadFromItsProperties() {
        // as `java -XshowSettings:properties -version` prints them on stderr
        List<String> lines = List.of("Property settings:", "    file.separator = /", "    java.library.path = /usr/java/packages/lib",
                "        /usr/lib64", "    java.version = 17.0.15", "    java.vm.name = OpenJDK 64-Bit Server VM", "    os.arch = aarch64",
                "", "openjdk version \"17.0.15\" 2025-04-15");
        Map<String, String> p = HostRun.javaProperties(lines);
        assertEquals("aarch64", p.get("os.arch"));
        assertEquals("17.0.15", p.get("java.version"));
        assertEquals("/usr/java/packages/lib", p.get("java.library.path"));
        assertEquals(17, HostRun.javaMajor("17.0.15"));
        assertEquals(21, HostRun.javaMajor("21"));
        assertEquals(8, HostRun.javaMajor("1.8.0_392"));
        assertEquals(0, HostRun.javaMajor(""));
    }

    @Test
    void runtimesLineSaysWhatInfoReported() {
        assertEquals("LibTorch 2.6.0 (bridge), ONNX Runtime 1.23.2",
                HostRun.runtimesLine(Map.of("libtorch", "2.6.0", "backend", "bridge", "onnxruntime", "1.23.2")));
        assertEquals("LibTorch none (?), ONNX Runtime 1.23.2, TFLite 2.16",
                HostRun.runtimesLine(Map.of("onnxruntime", "1.23.2", "tflite", "2.16")));
    }

    private Path jar(String name, String... entries) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream o = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(o)) {
            for (String e : entries) {
                z.putNextEntry(new ZipEntry(e));
                z.write(1);
                z.closeEntry();
            }
        }
        return p;
    }
}
