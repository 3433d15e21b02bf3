package org.edgetorch.study;

import org.edgetorch.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Writes a study's report folder: report.md, report.json and the PNG charts, all or nothing. */
public final class StudyReport {
    public static final String MARKDOWN = "report.md";
    public static final String JSON = "report.json";
    /** The default parent of report folders, and the name of the link to the newest one in it. */
    public static final Path RESULTS = Path.of("results");
    public static final String LATEST = "latest";

    private StudyReport() {
    }

    /** {@code results/<kind>-<UTC yyyyMMdd-HHmmss>} ({@code study}, {@code zoo}, {@code remote}): a new folder per run, so earlier reports stay. */
    public static Path defaultFolder(String kind, ZonedDateTime now) {
        return RESULTS.resolve(kind + "-" + now.withZoneSameInstant(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** Writes everything into the folder's staging area and moves it into place. */
    public static void write(StudyResult r, ReportFolder folder) {
        Path dir = folder.staging();
        List<String> charts = ReportCharts.write(r, dir);
        AtomicFiles.writeString(dir.resolve(JSON), ReportJson.write(r, charts));
        AtomicFiles.writeString(dir.resolve(MARKDOWN), ReportMarkdown.render(r, charts));
        folder.commit();
    }

    /**
     * Points {@code <parent>/latest} at the report folder (a relative symbolic link, replaced atomically).
     * Returns false, leaving things as they are, where links are not possible or {@code latest} is not a link.
     */
    public static boolean linkLatest(Path reportFolder) {
        return linkLatest(reportFolder, LATEST);
    }

    /** The same with another link name ({@code latest-remote} for {@code edgetorch remote}'s reports). */
    public static boolean linkLatest(Path reportFolder, String linkName) {
        Path abs = reportFolder.toAbsolutePath().normalize();
        Path link = abs.getParent().resolve(linkName);
        if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(link)) return false;
        Path tmp = abs.getParent().resolve("." + linkName + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, abs.getFileName());
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing left to do
            }
            return false;
        }
    }
}
