package org.edgetorch.nn;

import org.edgetorch.util.UserError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Makes a {@code torch.save}d state dict readable by LibTorch's C++ unpickler. That unpickler maps
 * {@code collections.OrderedDict} to None (it expects one only as a tensor's empty backward-hooks
 * argument), so the OrderedDict that every torchvision state dict is fails to load. This rewrites the
 * pickle at opcode level: each {@code OrderedDict()} construction becomes an empty dict, and BUILD (which
 * only attaches the {@code _metadata} attribute here) becomes POP. Tensor records are left untouched.
 */
final class StateDictPickle {
    private static final String ORDERED_DICT = "collections\nOrderedDict\n";

    private StateDictPickle() {
    }

    /** The archive with its data.pkl rewritten, as bytes for {@code torch::pickle_load}. */
    static byte[] rewriteArchive(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipFile zip = new ZipFile(file.toFile()); ZipOutputStream zos = new ZipOutputStream(out)) {
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                byte[] data;
                try (var in = zip.getInputStream(e)) {
                    data = in.readAllBytes();
                }
                if (e.getName().endsWith("/data.pkl")) data = rewrite(data);
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setMethod(ZipEntry.STORED);
                copy.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                copy.setCrc(crc.getValue());
                zos.putNextEntry(copy);
                zos.write(data);
                zos.closeEntry();
            }
        }
        return out.toByteArray();
    }

    static byte[] rewrite(byte[] p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(p.length);
        // A simulated stack of where (in the output) each element's construction began, so that BUILD can
        // drop its state argument entirely. MARK is an entry with mark = true.
        java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>(); // {startOffset, isMark}
        Set<Long> orderedDictMemo = new HashSet<>();
        java.util.Map<Long, Integer> memoOffsets = new java.util.HashMap<>();
        int dropBelow = Integer.MAX_VALUE; // memo slots stored at or after this output offset were dropped
        java.util.Set<Long> droppedMemo = new HashSet<>();
        int i = 0;
        while (i < p.length) {
            int op = p[i] & 0xff;
            int len = argLength(p, i);
            int next = i + 1 + len;
            int at = out.size();
            boolean orderedDictRef = op == 'c' && new String(p, i + 1, len, StandardCharsets.US_ASCII).equals(ORDERED_DICT)
                    || (op == 'h' || op == 'j') && orderedDictMemo.contains(memoIndex(p, i));
            if (orderedDictRef) {
                // OrderedDict class reference [memo store] () R  →  EMPTY_DICT
                i = next;
                int mop = p[i] & 0xff;
                if (mop == 'q' || mop == 'r') {
                    orderedDictMemo.add(memoIndex(p, i));
                    i = i + 1 + argLength(p, i);
                }
                if (i + 1 >= p.length || p[i] != ')' || p[i + 1] != 'R') {
                    throw new UserError("unsupported state dict pickle: OrderedDict built with arguments at byte " + i);
                }
                out.write('}');
                stack.push(new int[]{at, 0});
                i += 2;
                continue;
            }
            if ((op == 'h' || op == 'j') && droppedMemo.contains(memoIndex(p, i))) {
                throw new UserError("unsupported state dict pickle: reference into dropped metadata at byte " + i);
            }
            if (op == 'b') {
                // BUILD attaches _metadata to the dict: drop the state argument's bytes and the BUILD itself
                int[] state = stack.pop();
                byte[] kept = java.util.Arrays.copyOf(out.toByteArray(), state[0]);
                for (var m : memoOffsets.entrySet()) if (m.getValue() >= state[0]) droppedMemo.add(m.getKey());
                out.reset();
                out.write(kept, 0, kept.length);
                i = next;
                continue;
            }
            out.write(p, i, next - i);
            switch (op) {
                case '(' -> stack.push(new int[]{at, 1});
                case 't', 'u', 'e' -> { // pop to mark; 't' pushes the tuple, 'u'/'e' leave the container
                    int start = at;
                    while (!stack.isEmpty() && stack.peek()[1] == 0) start = stack.pop()[0];
                    if (stack.isEmpty()) throw new UserError("malformed pickle in state dict at byte " + i);
                    int markStart = stack.pop()[0];
                    if (op == 't') stack.push(new int[]{Math.min(start, markStart), 0});
                }
                case 0x85 -> stack.push(new int[]{stack.pop()[0], 0});
                case 0x86 -> { stack.pop(); stack.push(new int[]{stack.pop()[0], 0}); }
                case 0x87 -> { stack.pop(); stack.pop(); stack.push(new int[]{stack.pop()[0], 0}); }
                case 'R' -> { stack.pop(); stack.push(new int[]{stack.pop()[0], 0}); }
                case 's' -> { stack.pop(); stack.pop(); }
                case 'a', '0' -> stack.pop();
                case 'Q' -> stack.push(new int[]{stack.pop()[0], 0});
                case 'q', 'r' -> memoOffsets.put(memoIndex(p, i), stack.isEmpty() ? at : stack.peek()[0]);
                case 0x80, 0x95, 0x94, '.' -> { }
                case '2' -> stack.push(new int[]{at, 0});
                default -> stack.push(new int[]{at, 0}); // every other opcode here pushes one value
            }
            if (op == '.') break;
            i = next;
        }
        return out.toByteArray();
    }

    private static long memoIndex(byte[] p, int i) {
        int op = p[i] & 0xff;
        return op == 'q' || op == 'h' ? (p[i + 1] & 0xff) : le32(p, i + 1);
    }

    private static long le32(byte[] p, int at) {
        return (p[at] & 0xffL) | (p[at + 1] & 0xffL) << 8 | (p[at + 2] & 0xffL) << 16 | (p[at + 3] & 0xffL) << 24;
    }

    /** Length of the argument bytes that follow opcode {@code p[i]} (protocol 2, plus protocol 4's framing). */
    private static int argLength(byte[] p, int i) {
        int op = p[i] & 0xff;
        switch (op) {
            case 0x80: case 'K': case 'q': case 'h': case 'U': case 'C':
                if (op == 'U' || op == 'C') return 1 + (p[i + 1] & 0xff);
                return 1;
            case 'M':
                return 2;
            case 'J': case 'r': case 'j':
                return 4;
            case 'G': case 0x95:
                return 8;
            case 'X': case 'T': case 'B':
                return 4 + (int) le32(p, i + 1);
            case 0x8c:
                return 1 + (p[i + 1] & 0xff);
            case 0x8a:
                return 1 + (p[i + 1] & 0xff);
            case 0x8b:
                return 4 + (int) le32(p, i + 1);
            case 'c': {
                int j = i + 1, newlines = 0;
                while (newlines < 2) {
                    if (j >= p.length) throw new UserError("truncated pickle in state dict");
                    if (p[j++] == '\n') newlines++;
                }
                return j - i - 1;
            }
            case ')': case '}': case ']': case '(': case 't': case 0x85: case 0x86: case 0x87: case 'R': case 'b':
            case 's': case 'u': case 'a': case 'e': case 'N': case 0x88: case 0x89: case 'Q': case '.': case '0':
            case '1': case '2': case 0x94: case 0x93:
                return 0;
            default:
                throw new UserError(String.format("unsupported pickle opcode 0x%02x in state dict at byte %d", op, i));
        }
    }
}
