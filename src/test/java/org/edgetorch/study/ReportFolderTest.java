package org.edgetorch.study;

import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportFolderTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void appearsOnlyOnCommit() throws IOException {
        Path target = dir.resolve("report");
        try (ReportFolder f = ReportFolder.prepare(target)) {
            Files.writeString(f.staging().resolve(ReportFolder.MARKER), "{}");
            assertFalse(Files.exists(target), "nothing at the target before commit");
            f.commit();
        }
        assertEquals("{}", Files.readString(target.resolve(ReportFolder.MARKER)));
        assertEquals(List.of("report"), names(), "no staging folder left behind");
    }

    @Test
    void failureLeavesNothing() throws IOException {
        Path target = dir.resolve("report");
        assertThrows(IllegalStateException.class, () -> {
            try (ReportFolder f = ReportFolder.prepare(target)) {
                Files.writeString(f.staging().resolve("half.md"), "# half");
                throw new IllegalStateException("a stage failed");
            }
        });
        assertEquals(List.of(), names());
    }

    @Test
    void replacesAnEarlierReportButNotOtherFolders() throws IOException {
        Path earlier = Files.createDirectories(dir.resolve("earlier"));
        Files.writeString(earlier.resolve(ReportFolder.MARKER), "old");
        Files.writeString(earlier.resolve("stale.png"), "old");
        try (ReportFolder f = ReportFolder.prepare(earlier)) {
            Files.writeString(f.staging().resolve(ReportFolder.MARKER), "new");
            f.commit();
        }
        assertEquals("new", Files.readString(earlier.resolve(ReportFolder.MARKER)));
        assertFalse(Files.exists(earlier.resolve("stale.png")), "the earlier report is replaced whole");
        assertEquals(List.of("earlier"), names());

        Path foreign = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(foreign.resolve("holiday.jpg"), "x");
        UserError e = assertThrows(UserError.class, () -> ReportFolder.prepare(foreign));
        assertTrue(e.getMessage().contains("holds no study report"), e.getMessage());
        assertTrue(Files.exists(foreign.resolve("holiday.jpg")));

        Path empty = Files.createDirectories(dir.resolve("empty"));
        try (ReportFolder f = ReportFolder.prepare(empty)) {
            Files.writeString(f.staging().resolve(ReportFolder.MARKER), "{}");
            f.commit();
        }
        assertTrue(Files.exists(empty.resolve(ReportFolder.MARKER)));
    }

    @Test
    void unwritableLocationFailsAtPrepare() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        UserError e = assertThrows(UserError.class, () -> ReportFolder.prepare(file.resolve("report")));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        UserError notDir = assertThrows(UserError.class, () -> ReportFolder.prepare(file));
        assertTrue(notDir.getMessage().contains("not a directory"), notDir.getMessage());
    }

    @Test
    void latestLinkPointsAtTheNewestReport() throws IOException {
        Path a = Files.createDirectories(dir.resolve("study-1"));
        Path b = Files.createDirectories(dir.resolve("study-2"));
        assertTrue(StudyReport.linkLatest(a));
        assertTrue(StudyReport.linkLatest(b));
        Path latest = dir.resolve(StudyReport.LATEST);
        assertTrue(Files.isSymbolicLink(latest));
        assertEquals(Path.of("study-2"), Files.readSymbolicLink(latest), "relative, so the results folder can move");
        assertEquals(List.of("latest", "study-1", "study-2"), names());
    }
}
