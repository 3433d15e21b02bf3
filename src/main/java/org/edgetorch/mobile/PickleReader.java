package org.edgetorch.mobile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one reader for the subset of Python's pickle format that TorchScript and {@code torch.save} write
 * (protocol 2, plus protocol 4's framing opcodes), used for {@code bytecode.pkl} and for checking tensor
 * records before LibTorch reads them: tuples and lists become {@link List}, dicts {@link Map}, ints
 * {@link Long}, floats {@link Double}; class references become {@link Global}, reductions and object
 * constructions {@link Call}, persistent ids (tensor storages) {@link PersistentId}, byte strings
 * {@link Opaque}. No code runs, nothing is resolved: it only describes the data. Malformed input fails
 * with {@link IllegalArgumentException}, never with a crash (no recursion: a hostile pickle cannot
 * overflow the stack).
 */
public final class PickleReader {

    /** Something the reader does not materialize (byte strings). */
    public record Opaque(String what) {
        @Override
        public String toString() {
            return "<" + what + ">";
        }
    }

    /** A class or function reference ({@code GLOBAL module name}). */
    public record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** {@code pid} of a BINPERSID; for a tensor storage ('storage', type, key, location, numel). */
    public record PersistentId(Object pid) {
    }

    /**
     * A REDUCE ({@code fn(*args)}) or NEWOBJ ({@code cls.__new__(cls, *args)}); BUILD sets its state.
     * Identity-based equality: the same memoized object may appear many times, and may contain itself.
     */
    public static final class Call {
        public final Object fn;
        public final Object args;
        public Object state;
        /** What SETITEMS / APPENDS added to it (an OrderedDict is built this way). */
        public final Map<Object, Object> items = new LinkedHashMap<>();
        public final List<Object> appended = new ArrayList<>();

        Call(Object fn, Object args) {
            this.fn = fn;
            this.args = args;
        }

        @Override
        public String toString() {
            return "<call " + fn + ">";
        }
    }

    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final Deque<Object> stack = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleReader(byte[] data) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static Object read(byte[] data) {
        try {
            return new PickleReader(data).run();
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("malformed pickle: it ends before its STOP opcode", e);
        } catch (ClassCastException | java.util.NoSuchElementException e) {
            throw new IllegalArgumentException("malformed pickle: " + e, e);
        } catch (StackOverflowError e) {
            // hashing a dict key that nests very deeply, or contains itself
            throw new IllegalArgumentException("malformed pickle: a dict key nests too deeply");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO n
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> stack.push(MARK);
                case 'J' -> stack.push((long) in.getInt());
                case 'K' -> stack.push((long) (in.get() & 0xff));
                case 'M' -> stack.push((long) (in.getShort() & 0xffff));
                case 0x8a -> stack.push(long1(in.get() & 0xff));
                case 'G' -> stack.push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT is big-endian
                case 'X' -> stack.push(string(in.getInt()));
                case 0x8c -> stack.push(string(in.get() & 0xff)); // SHORT_BINUNICODE
                case 'B' -> stack.push(new Opaque("bytes[" + skip(in.getInt()) + "]"));
                case 'C' -> stack.push(new Opaque("bytes[" + skip(in.get() & 0xff) + "]"));
                case 'N' -> stack.push(Null.NULL);
                case 0x88 -> stack.push(Boolean.TRUE);
                case 0x89 -> stack.push(Boolean.FALSE);
                case ')' -> stack.push(new ArrayList<>());
                case ']' -> stack.push(new ArrayList<>());
                case '}' -> stack.push(new LinkedHashMap<>());
                case 't', 'l' -> stack.push(popToMark());
                case 0x85 -> stack.push(new ArrayList<>(List.of(pop())));
                case 0x86 -> {
                    Object b = pop(), a = pop();
                    stack.push(new ArrayList<>(List.of(a, b)));
                }
                case 0x87 -> {
                    Object c = pop(), b = pop(), a = pop();
                    stack.push(new ArrayList<>(List.of(a, b, c)));
                }
                case 'a' -> {
                    Object v = pop();
                    list(stack.peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    list(stack.peek()).addAll(items);
                }
                case 's' -> {
                    Object v = pop(), k = pop();
                    map(stack.peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    Map<Object, Object> m = map(stack.peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                }
                case 'd' -> {
                    List<Object> items = popToMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                    stack.push(m);
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), stack.peek());
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, stack.peek());
                case 'h' -> stack.push(memoGet(in.get() & 0xff));
                case 'j' -> stack.push(memoGet(in.getInt() & 0xffffffffL));
                case 'c' -> stack.push(new Global(line(), line()));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    stack.push(new Global(String.valueOf(module), String.valueOf(name)));
                }
                case 'R', 0x81 -> { // REDUCE, NEWOBJ
                    Object args = pop(), fn = pop();
                    stack.push(new Call(fn, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    if (stack.peek() instanceof Call c) c.state = state;
                }
                case 'Q' -> stack.push(new PersistentId(pop()));
                case '0' -> pop(); // POP
                case '1' -> popToMark(); // POP_MARK
                case '2' -> stack.push(stack.getFirst()); // DUP
                case 0x95 -> in.getLong(); // FRAME: a size hint
                case 0x94 -> memo.put((long) memo.size(), stack.getFirst()); // MEMOIZE
                case 'U' -> stack.push(new Opaque("bytes[" + skip(in.get() & 0xff) + "]")); // SHORT_BINSTRING
                case 'T' -> stack.push(new Opaque("bytes[" + skip(in.getInt()) + "]")); // BINSTRING
                default -> throw new IllegalArgumentException(
                        String.format("unsupported pickle opcode 0x%02x at offset %d", op, in.position() - 1));
            }
        }
    }

    /** Python's None; a sentinel because the stack cannot hold Java null. */
    enum Null { NULL }

    private Object pop() {
        Object o = stack.pop();
        if (o == MARK) throw new IllegalArgumentException("malformed pickle: unexpected MARK");
        return o;
    }

    private List<Object> popToMark() {
        List<Object> items = new ArrayList<>();
        while (true) {
            Object o = stack.pop();
            if (o == MARK) break;
            items.add(0, o);
        }
        return items;
    }

    private Object memoGet(long key) {
        Object o = memo.get(key);
        if (o == null) throw new IllegalArgumentException("malformed pickle: memo " + key + " unset");
        return o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof Call c) return c.appended;
        if (!(o instanceof List)) throw new IllegalArgumentException("malformed pickle: append to a non-list");
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        if (o instanceof Call c) return c.items;
        if (!(o instanceof Map)) throw new IllegalArgumentException("malformed pickle: setitem on a non-dict");
        return (Map<Object, Object>) o;
    }

    private String string(int len) {
        if (len < 0 || len > in.remaining()) throw new IllegalArgumentException("malformed pickle: string length " + len);
        byte[] b = new byte[len];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private int skip(int len) {
        if (len < 0 || len > in.remaining()) throw new IllegalArgumentException("malformed pickle: bytes length " + len);
        in.position(in.position() + len);
        return len;
    }

    private long long1(int len) {
        if (len > 8) {
            skip(len);
            return Long.MAX_VALUE;
        }
        long v = 0;
        for (int i = 0; i < len; i++) v |= (long) (in.get() & 0xff) << (8 * i);
        if (len > 0 && len < 8 && (v & (1L << (8 * len - 1))) != 0) v -= 1L << (8 * len);
        return v;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') return sb.toString();
            if (sb.length() > 4096) throw new IllegalArgumentException("malformed pickle: global name too long");
            sb.append((char) b);
        }
    }
}
