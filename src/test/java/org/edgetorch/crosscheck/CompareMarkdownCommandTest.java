package org.edgetorch.crosscheck;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compare --markdown}: the comparison as a Markdown report in the study's style. */
class CompareMarkdownCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesMarkdown() throws IOException {
        Path x86 = dir.resolve("x86.json"), arm = dir.resolve("arm.json"), md = dir.resolve("out").resolve("compare.md");
        CrossComparisonTest.x86().write(x86);
        CrossComparisonTest.arm(1e-5, 0.05, true).write(arm);
        org.edgetorch.CliRun r = CompareCommandTest.run("compare", x86.toString(), arm.toString(), "--markdown", md.toString());
        assertEquals(0, r.code(), r.err());
        String text = Files.readString(md);
        assertTrue(text.startsWith("# edgetorch compare: "), text);
        assertTrue(text.contains("**Within bounds.**"), text);
        assertTrue(text.contains("| fp32.pt |"), text);
        assertTrue(text.contains("## Latency (median)"), text);
    }
}
