package org.edgetorch.backend;

import org.edgetorch.mobile.PickleReader;
import org.edgetorch.mobile.PickleReader.Call;
import org.edgetorch.mobile.PickleReader.Global;
import org.edgetorch.mobile.PickleReader.PersistentId;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks every tensor record of an archive's pickle against the storage it names, before LibTorch reads
 * it: LibTorch trusts a record's sizes, strides and offset, so a record reaching past its storage's bytes
 * (with the zip and its CRCs intact) makes it read or write outside a buffer and kills the process.
 * A record passes when its storage entry exists and holds numel × element size bytes of a known dtype,
 * and offset + Σ (size−1) × stride stays below numel.
 */
public final class TensorRecords {
    private TensorRecords() {
    }

    /** Bytes per element of each storage class a tensor record can name. */
    private static final Map<String, Integer> ELEMENT_BYTES = Map.ofEntries(
            Map.entry("DoubleStorage", 8), Map.entry("FloatStorage", 4), Map.entry("HalfStorage", 2),
            Map.entry("BFloat16Storage", 2), Map.entry("LongStorage", 8), Map.entry("IntStorage", 4),
            Map.entry("ShortStorage", 2), Map.entry("CharStorage", 1), Map.entry("ByteStorage", 1),
            Map.entry("BoolStorage", 1), Map.entry("ComplexFloatStorage", 8), Map.entry("ComplexDoubleStorage", 16),
            Map.entry("QInt8Storage", 1), Map.entry("QUInt8Storage", 1), Map.entry("QInt32Storage", 4),
            Map.entry("QUInt4x2Storage", 1), Map.entry("QUInt2x4Storage", 1), Map.entry("UntypedStorage", 1));

    /**
     * @param pickleName the pickle's name inside the archive (data.pkl, constants.pkl, bytecode.pkl)
     * @param entrySizes every entry's size in bytes, by its name without the archive's root folder
     * @throws UserError naming the file, the pickle and the storage when a record does not fit
     */
    public static void check(Path file, String pickleName, byte[] pickle, Map<String, Long> entrySizes) {
        Object root;
        try {
            root = PickleReader.read(pickle);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": damaged archive: " + pickleName + " is not a readable pickle (" + e.getMessage() + ")");
        }
        String folder = pickleName.endsWith(".pkl") ? pickleName.substring(0, pickleName.length() - 4) + "/" : "";
        // iterative walk with an identity set: a pickle's memo can make a container hold itself
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || !seen.add(o)) continue;
            if (o instanceof List<?> l) {
                l.forEach(todo::push);
            } else if (o instanceof Map<?, ?> m) {
                m.forEach((k, v) -> {
                    todo.push(k);
                    todo.push(v);
                });
            } else if (o instanceof PersistentId p) {
                storage(file, pickleName, folder, p, entrySizes);
                todo.push(p.pid());
            } else if (o instanceof Call c) {
                if (c.fn instanceof Global g && isTensorRebuild(g)) record(file, pickleName, folder, c, entrySizes);
                todo.push(c.fn);
                todo.push(c.args);
                if (c.state != null) todo.push(c.state);
                todo.push(c.items);
                todo.push(c.appended);
            }
        }
    }

    private static boolean isTensorRebuild(Global g) {
        return g.module().equals("torch._utils") && (g.name().equals("_rebuild_tensor_v2")
                || g.name().equals("_rebuild_tensor_v3") || g.name().equals("_rebuild_qtensor")
                || g.name().equals("_rebuild_tensor"));
    }

    /** Checks a storage reference and returns its element count. */
    private static long storage(Path file, String pkl, String folder, PersistentId p, Map<String, Long> sizes) {
        String where = file + ": damaged archive: " + pkl + ": ";
        if (!(p.pid() instanceof List<?> id) || id.size() < 5 || !"storage".equals(id.get(0))) {
            throw new UserError(where + "a persistent id that is not a tensor storage reference");
        }
        if (!(id.get(1) instanceof Global type) || !type.module().equals("torch")
                || !ELEMENT_BYTES.containsKey(type.name())) {
            throw new UserError(where + "a tensor storage of unknown dtype " + id.get(1));
        }
        if (!(id.get(2) instanceof String key) || !(id.get(4) instanceof Long numel) || numel < 0) {
            throw new UserError(where + "a malformed tensor storage reference " + id);
        }
        String entry = folder + key;
        Long size = sizes.get(entry);
        if (size == null && sizes.containsKey("constants/" + key)) {
            entry = "constants/" + key; // bytecode.pkl shares constants.pkl's storages
            size = sizes.get(entry);
        }
        if (size == null) throw new UserError(where + "tensor storage " + entry + " is missing from the archive");
        long need;
        try {
            need = Math.multiplyExact(numel, (long) ELEMENT_BYTES.get(type.name()));
        } catch (ArithmeticException e) {
            need = Long.MAX_VALUE;
        }
        if (need > size) {
            throw new UserError(where + "tensor storage " + entry + " declares " + numel + " " + type.name()
                    + " elements (" + need + " bytes) but holds " + size + " bytes");
        }
        return numel;
    }

    private static void record(Path file, String pkl, String folder, Call c, Map<String, Long> sizes) {
        String where = file + ": damaged archive: " + pkl + ": tensor record ";
        if (!(c.args instanceof List<?> a) || a.size() < 4 || !(a.get(0) instanceof PersistentId p)) {
            throw new UserError(where + "without a storage");
        }
        long numel = storage(file, pkl, folder, p, sizes);
        if (!(a.get(1) instanceof Long offset) || !(a.get(2) instanceof List<?> size)
                || !(a.get(3) instanceof List<?> stride) || size.size() != stride.size()) {
            throw new UserError(where + "with malformed offset, sizes or strides");
        }
        if (offset < 0) throw new UserError(where + "with negative storage offset " + offset);
        long last = offset;
        boolean empty = false;
        try {
            for (int i = 0; i < size.size(); i++) {
                if (!(size.get(i) instanceof Long n) || !(stride.get(i) instanceof Long s) || n < 0 || s < 0) {
                    throw new UserError(where + "with sizes " + size + " and strides " + stride + " (negative or not integers)");
                }
                if (n == 0) empty = true;
                else last = Math.addExact(last, Math.multiplyExact(n - 1, s));
            }
        } catch (ArithmeticException e) {
            throw new UserError(where + "with sizes " + size + " and strides " + stride + " that overflow");
        }
        if (!empty && last >= numel) {
            throw new UserError(where + "points outside its storage " + storageName(p) + ": sizes " + size
                    + ", strides " + stride + ", offset " + offset + " reach element " + last
                    + " of a storage of " + numel + " elements");
        }
    }

    private static String storageName(PersistentId p) {
        return p.pid() instanceof List<?> id && id.size() > 2 ? String.valueOf(id.get(2)) : "?";
    }
}
