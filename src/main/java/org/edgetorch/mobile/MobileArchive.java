package org.edgetorch.mobile;

import org.edgetorch.backend.ModelFiles;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What a TorchScript / lite-interpreter archive holds, read in Java from its zip directory and its
 * {@code bytecode.pkl}: versions, where the bytes go, and which operators the lite interpreter will
 * need. Used to report the bytecode version written and to explain the file size.
 *
 * @param bytes               file size
 * @param fileFormatVersion   the archive's {@code version} record (TorchScript file format)
 * @param bytecodeVersion     first element of {@code bytecode.pkl}; null when the file has no bytecode
 * @param weightBytes         tensor storages ({@code constants/}, {@code data/})
 * @param torchScriptBytes    the full-JIT half: {@code code/*.py}, {@code data.pkl}, {@code constants.pkl}
 * @param bytecodeBytes       the lite-interpreter half: {@code bytecode.pkl}
 * @param debugBytes          source-range and call-stack debug records ({@code *.debug_pkl},
 *                            {@code mobile_debug_handles.pkl}, {@code callstack_debug_map.pkl})
 * @param otherBytes          everything else (version, byteorder, extra files, ids)
 * @param hasMobileDebugInfo  whether the lite-interpreter debug handles are present
 * @param bytecodeOperators   operator (name.overload) → number of methods that list it
 * @param extraFiles          small {@code extra/} files, by name
 */
public record MobileArchive(
        long bytes,
        int fileFormatVersion,
        Integer bytecodeVersion,
        long weightBytes,
        long torchScriptBytes,
        long bytecodeBytes,
        long debugBytes,
        long otherBytes,
        boolean hasMobileDebugInfo,
        Map<String, Integer> bytecodeOperators,
        Map<String, String> extraFiles) {

    /**
     * Reads an archive after {@link ModelFiles#inspect} has checked it (zip directory, every entry's
     * CRC); a damaged file or a malformed bytecode.pkl is a {@link UserError}. Safe to run on a file
     * before handing it to a native loader.
     */
    public static MobileArchive read(Path file) {
        ModelFiles.inspect(file);
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
        int version = -1;
        Integer bytecodeVersion = null;
        long weights = 0, script = 0, bytecode = 0, debug = 0, other = 0;
        boolean mobileDebug = false;
        Map<String, Integer> ops = new TreeMap<>();
        Map<String, String> extra = new TreeMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                String local = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
                long size = Math.max(0, e.getSize());
                if (local.startsWith("constants/") || local.startsWith("data/")) {
                    weights += size;
                } else if (local.endsWith(".debug_pkl") || local.equals("mobile_debug_handles.pkl")
                        || local.equals("callstack_debug_map.pkl")) {
                    debug += size;
                    if (local.equals("mobile_debug_handles.pkl")) mobileDebug = true;
                } else if (local.startsWith("code/") || local.equals("data.pkl") || local.equals("constants.pkl")) {
                    script += size;
                } else if (local.equals("bytecode.pkl")) {
                    bytecode += size;
                    byte[] pkl = readAll(zip, e, 64L << 20);
                    Object root = PickleReader.read(pkl);
                    bytecodeVersion = bytecodeVersionOf(root);
                    collectOperators(root, ops, 0);
                } else {
                    other += size;
                    if (local.equals("version")) {
                        String v = new String(readAll(zip, e, 64), StandardCharsets.UTF_8).trim();
                        try {
                            version = Integer.parseInt(v);
                        } catch (NumberFormatException nfe) {
                            throw new UserError(file + ": archive version record is not a number: '" + v + "'");
                        }
                    } else if (local.startsWith("extra/") && size <= 1 << 16) {
                        extra.put(local.substring("extra/".length()), new String(readAll(zip, e, 1 << 16), StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException e) {
            throw new UserError(file + ": not a readable TorchScript archive: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": bytecode.pkl is damaged: " + e.getMessage());
        }
        return new MobileArchive(bytes, version, bytecodeVersion, weights, script, bytecode, debug, other,
                mobileDebug, ops, extra);
    }

    private static byte[] readAll(ZipFile zip, ZipEntry e, long limit) throws IOException {
        if (e.getSize() > limit) throw new IOException(e.getName() + " is implausibly large (" + e.getSize() + " bytes)");
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
        }
    }

    /** bytecode.pkl is a tuple whose first element is the bytecode version. */
    private static Integer bytecodeVersionOf(Object root) {
        if (root instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Long v) return v.intValue();
        throw new IllegalArgumentException("no version at the head of bytecode.pkl");
    }

    /** Finds every ('operators', ((name, overload[, num_args]), ...)) table and tallies the names. */
    private static void collectOperators(Object o, Map<String, Integer> ops, int depth) {
        // bytecode nests a handful of levels; a deeper (or self-referencing) pickle is not bytecode
        if (depth > 32) throw new IllegalArgumentException("bytecode.pkl nests deeper than bytecode does");
        if (!(o instanceof List<?> l)) return;
        if (l.size() == 2 && "operators".equals(l.get(0)) && l.get(1) instanceof List<?> table) {
            for (Object row : table) {
                if (row instanceof List<?> r && r.size() >= 2 && r.get(0) instanceof String n && r.get(1) instanceof String ov) {
                    ops.merge(ov.isEmpty() ? n : n + "." + ov, 1, Integer::sum);
                }
            }
            return;
        }
        for (Object child : l) collectOperators(child, ops, depth + 1);
    }

    /** How many lite-interpreter operator entries start with the prefix (e.g. {@code prepacked::}). */
    public int operatorsWithPrefix(String prefix) {
        return bytecodeOperators.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(Map.Entry::getValue).sum();
    }
}
