package org.edgetorch.backend;

import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks a model file in Java before LibTorch sees it: some of LibTorch's reader failures are
 * INTERNAL ASSERTs that terminate the process, so a truncated or foreign file must never reach it.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** What a TorchScript-family archive holds, read from its zip directory. */
    public record Archive(boolean hasData, boolean hasBytecode, boolean hasCode) {
        public boolean isTorchScript() {
            return hasData && hasCode || hasBytecode;
        }
    }

    public static Archive inspect(Path file) {
        // a FIFO or device would hang the zip reader or be called "empty": refuse them by name
        org.edgetorch.util.InputFiles.requireRegularFile(file, "a .pt or .ptl file");
        try {
            if (Files.size(file) == 0) throw new UserError(file + ": empty file");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read it: " + org.edgetorch.util.AtomicFiles.reason(e));
        }
        boolean data = false, bytecode = false, code = false;
        try {
            for (String local : checkedEntries(file)) {
                if (local.equals("data.pkl")) data = true;
                if (local.equals("bytecode.pkl")) bytecode = true;
                if (local.startsWith("code/")) code = true;
            }
        } catch (IOException e) {
            throw new UserError(file + ": not a TorchScript archive (not a readable zip: " + org.edgetorch.util.AtomicFiles.reason(e) + ")");
        }
        Archive a = new Archive(data, bytecode, code);
        if (!a.isTorchScript()) {
            throw new UserError(file + ": a zip file, but not a TorchScript archive (no data.pkl with code/, no bytecode.pkl)"
                    + (data && !code ? "; it looks like a state dict saved by torch.save: pass it with --weights" : ""));
        }
        return a;
    }

    /** The pickles whose tensor records {@link TensorRecords} checks before LibTorch reads them. */
    private static final java.util.Set<String> PICKLES = java.util.Set.of("data.pkl", "constants.pkl", "bytecode.pkl");
    private static final long MAX_PICKLE_BYTES = 256L << 20;

    /**
     * The names of a PyTorch zip archive's entries, without the archive's root folder, after reading every
     * entry and comparing its CRC in Java: java.util.zip checks none for the STORED entries PyTorch writes,
     * and LibTorch's reader does not either, so a damaged weight would otherwise load silently. Reading
     * every entry also catches truncation inside the archive. Then every tensor record of data.pkl,
     * constants.pkl and bytecode.pkl is checked against its storage ({@link TensorRecords}). A CRC mismatch
     * or a record outside its storage is a {@link UserError}.
     */
    public static List<String> checkedEntries(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        java.util.Map<String, Long> sizes = new java.util.HashMap<>();
        java.util.Map<String, byte[]> pickles = new java.util.LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            byte[] buf = new byte[1 << 16];
            CRC32 crc = new CRC32();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                String local = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
                names.add(local);
                boolean pickle = PICKLES.contains(local);
                if (pickle && e.getSize() > MAX_PICKLE_BYTES) {
                    throw new UserError(file + ": damaged archive: " + local + " is implausibly large (" + e.getSize() + " bytes)");
                }
                java.io.ByteArrayOutputStream kept = pickle ? new java.io.ByteArrayOutputStream() : null;
                crc.reset();
                long size = 0;
                try (var in = zip.getInputStream(e)) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        crc.update(buf, 0, n);
                        size += n;
                        if (kept != null) {
                            if (size > MAX_PICKLE_BYTES) throw new UserError(file + ": damaged archive: " + local + " is implausibly large");
                            kept.write(buf, 0, n);
                        }
                    }
                }
                if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
                    throw new UserError(file + ": damaged archive: entry " + name + " fails its CRC check");
                }
                sizes.put(local, size);
                if (kept != null) pickles.put(local, kept.toByteArray());
            }
        }
        pickles.forEach((local, bytes) -> TensorRecords.check(file, local, bytes, sizes));
        return names;
    }

    /** Validates, then loads through the presets' {@code torch::jit::load}. */
    public static JitModule loadChecked(Path file) {
        inspect(file);
        try {
            JitModule m = torch.load(file.toString());
            m.eval();
            return m;
        } catch (RuntimeException e) {
            throw new UserError(file + ": LibTorch could not load it: " + firstLine(e), e);
        }
    }

    /**
     * The line of a LibTorch message that says what went wrong. Errors raised inside the TorchScript
     * interpreter start with a generic line and a TorchScript traceback, and end with the cause
     * ({@code RuntimeError: self must be a matrix}); other messages say it in their first line.
     */
    public static String reason(String message) {
        if (message == null) return "unknown error";
        if (message.startsWith("The following operation failed in the TorchScript interpreter")) {
            String[] lines = message.strip().split("\n");
            for (int i = lines.length - 1; i > 0; i--) {
                String l = lines[i].strip();
                if (l.matches("^[A-Za-z.]*(Error|Exception): .*")) return l.substring(l.indexOf(": ") + 2);
            }
        }
        return firstLine(message);
    }

    /** A native failure's first line; when LibTorch gave no message, what was raised (never "unknown error"). */
    public static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return "LibTorch raised " + e.getClass().getSimpleName() + " without a message";
        return firstLine(m);
    }

    /** LibTorch messages carry a C++ backtrace after the first line; users need only the first. */
    public static String firstLine(String message) {
        if (message == null) return "unknown error";
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
