package org.edgetorch.backend.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The version records of a TorchScript / lite-interpreter archive, read in Java: the file format version
 * ({@code <archive>/version} or {@code .data/version}) and the lite interpreter's bytecode version (the
 * first element of {@code bytecode.pkl}). An older LibTorch refuses files newer than it knows; these
 * say why, next to LibTorch's own message.
 */
public record ArchiveVersions(long fileFormat, long bytecode) {
    public static final long UNKNOWN = -1;

    public static ArchiveVersions read(Path file) {
        long format = UNKNOWN;
        long bytecode = UNKNOWN;
        // a FIFO would block the zip reader: only regular files are read (the loader says why not)
        if (!java.nio.file.Files.isRegularFile(file)) return new ArchiveVersions(format, bytecode);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String local = localName(e.getName());
                if (local.equals("version") || local.equals(".data/version")) {
                    if (format == UNKNOWN) format = parseVersion(read(zip, e, 32));
                } else if (local.equals("bytecode.pkl")) {
                    bytecode = bytecodeVersion(read(zip, e, 16));
                }
            }
        } catch (IOException | RuntimeException e) {
            return new ArchiveVersions(format, bytecode);
        }
        return new ArchiveVersions(format, bytecode);
    }

    private static String localName(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(slash + 1);
    }

    private static byte[] read(ZipFile zip, ZipEntry e, int max) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes(max);
        }
    }

    static long parseVersion(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.US_ASCII).strip();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    /**
     * {@code bytecode.pkl} is a pickle (protocol 2) whose first value is the version integer:
     * {@code \x80\x02}, an optional MARK or EMPTY_TUPLE, then BININT1 ({@code K}), BININT2 ({@code M}) or BININT ({@code J}).
     */
    static long bytecodeVersion(byte[] b) {
        int i = 0;
        if (b.length >= 2 && (b[0] & 0xff) == 0x80) i = 2;
        while (i < b.length && (b[i] == '(' || b[i] == ')')) i++;
        if (i >= b.length) return UNKNOWN;
        switch (b[i]) {
            case 'K':
                return i + 1 < b.length ? b[i + 1] & 0xff : UNKNOWN;
            case 'M':
                return i + 2 < b.length ? (b[i + 1] & 0xff) | (b[i + 2] & 0xff) << 8 : UNKNOWN;
            case 'J':
                return i + 4 < b.length ? (b[i + 1] & 0xffL) | (b[i + 2] & 0xffL) << 8 | (b[i + 3] & 0xffL) << 16 | (long) b[i + 4] << 24 : UNKNOWN;
            default:
                return UNKNOWN;
        }
    }

    /** A sentence to append to a load failure when the file is newer than the runtime reads; "" otherwise. */
    public static String readableHint(Path file, boolean lite, long maxBytecode, long maxFileFormat) {
        ArchiveVersions v = read(file);
        StringBuilder s = new StringBuilder();
        if (lite && v.bytecode() != UNKNOWN && v.bytecode() > maxBytecode) {
            s.append("; the file has bytecode version ").append(v.bytecode()).append(", this LibTorch reads up to ")
                    .append(maxBytecode).append(": write the .ptl with an older bytecode version (or run the .pt)");
        }
        if (v.fileFormat() != UNKNOWN && v.fileFormat() > maxFileFormat) {
            s.append("; the file format version is ").append(v.fileFormat()).append(", this LibTorch reads up to ")
                    .append(maxFileFormat);
        }
        return s.toString();
    }
}
