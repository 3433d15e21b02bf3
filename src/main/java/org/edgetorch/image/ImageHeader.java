package org.edgetorch.image;

import org.edgetorch.util.UserError;

/**
 * What an encoded image says about itself, read and checked in Java before any byte reaches a native
 * decoder: the format (from the content, not the file name), the dimensions, and whether the file is
 * complete. Native decoders accept a truncated JPEG (libjpeg fills the rest with gray) and would
 * allocate whatever a forged header asks for, so both are refused here. {@code format} is JPEG, PNG,
 * BMP or WebP.
 */
public record ImageHeader(String format, int width, int height) {

    /** Smallest side accepted: below this there is nothing to classify. */
    public static final int MIN_SIDE = 8;
    /** Largest side and pixel count accepted (a 100-megapixel photo decodes to 300 MB of RGB). */
    public static final int MAX_SIDE = 65_535;
    public static final long MAX_PIXELS = 100_000_000L;
    /** Longer side over shorter side: beyond this the 224x224 center crop is a sliver of the image. */
    public static final int MAX_ASPECT = 100;

    /** Reads and checks the header of {@code bytes}; {@code name} is only used in error messages. */
    public static ImageHeader inspect(byte[] bytes, String name) {
        if (bytes.length == 0) throw new UserError(name + ": empty file");
        ImageHeader h;
        if (startsWith(bytes, 0xFF, 0xD8, 0xFF)) {
            h = jpeg(bytes, name);
        } else if (startsWith(bytes, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            h = png(bytes, name);
        } else if (startsWith(bytes, 'B', 'M')) {
            h = bmp(bytes, name);
        } else if (startsWith(bytes, 'R', 'I', 'F', 'F') && bytes.length >= 12
                && hasAt(bytes, 8, 'W', 'E', 'B', 'P')) {
            h = webp(bytes, name);
        } else {
            throw new UserError(name + ": not an image edgetorch can read (JPEG, PNG, BMP or WebP expected)");
        }
        h.checkSize(name);
        return h;
    }

    private void checkSize(String name) {
        String dims = width + "x" + height;
        if (width < MIN_SIDE || height < MIN_SIDE) {
            throw new UserError(name + ": image is too small (" + dims + "); each side needs at least " + MIN_SIDE + " pixels");
        }
        checkLimits(name);
        if (Math.max(width, height) > (long) MAX_ASPECT * Math.min(width, height)) {
            throw new UserError(name + ": aspect ratio of " + dims + " is too extreme (limit 1:" + MAX_ASPECT + ")");
        }
    }

    /** The size limits alone (decoders allocate from these): applied to every JPEG frame header. */
    private void checkLimits(String name) {
        String dims = width + "x" + height;
        if (width > MAX_SIDE || height > MAX_SIDE || (long) width * height > MAX_PIXELS) {
            throw new UserError(name + ": image dimensions " + dims + " are too large (limit " + MAX_SIDE
                    + " pixels per side and " + MAX_PIXELS / 1_000_000 + " megapixels)");
        }
    }

    // --- JPEG: walk the marker segments and the entropy-coded scans up to EOI -----------------

    private static ImageHeader jpeg(byte[] b, String name) {
        int n = b.length;
        int pos = 2;
        int width = -1, height = -1;
        while (true) {
            if (pos >= n) throw truncated(name, "JPEG");
            // libjpeg skips stray bytes before a marker (with a warning); so do we
            while (pos < n && (b[pos] & 0xFF) != 0xFF) pos++;
            while (pos < n && (b[pos] & 0xFF) == 0xFF) pos++; // fill bytes
            if (pos >= n) throw truncated(name, "JPEG");
            int marker = b[pos] & 0xFF;
            pos++;
            if (marker == 0xD9) break; // EOI
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue; // standalone markers
            if (marker == 0x00 || marker == 0xD8) throw corrupt(name, "JPEG", "unexpected marker at byte " + (pos - 1));
            if (pos + 2 > n) throw truncated(name, "JPEG");
            int len = u16be(b, pos);
            if (len < 2) throw corrupt(name, "JPEG", "bad segment length at byte " + pos);
            if ((long) pos + len > n) throw truncated(name, "JPEG");
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (len < 8) throw corrupt(name, "JPEG", "short frame header");
                int h = u16be(b, pos + 3), w = u16be(b, pos + 5);
                if (h == 0) throw new UserError(name + ": JPEG without a height in its frame header (DNL) is not supported");
                // every frame header is checked, not just the last: a decoder may size its buffers from any
                new ImageHeader("JPEG", w, h).checkLimits(name);
                if (width < 0) { // the first frame is the image a decoder returns
                    width = w;
                    height = h;
                }
            }
            pos += len;
            if (marker == 0xDA) { // SOS: entropy-coded data runs to the next marker that is not a stuffed 0 or a restart
                if (width < 0) throw corrupt(name, "JPEG", "scan before frame header");
                while (true) {
                    if (pos + 1 >= n) throw truncated(name, "JPEG");
                    if ((b[pos] & 0xFF) == 0xFF) {
                        int next = b[pos + 1] & 0xFF;
                        if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) break;
                        pos += (next == 0xFF) ? 1 : 2;
                    } else {
                        pos++;
                    }
                }
            }
        }
        if (width < 0) throw corrupt(name, "JPEG", "no frame header");
        return new ImageHeader("JPEG", width, height);
    }

    // --- PNG: IHDR first, chunks up to IEND ------------------------------------------------------

    private static ImageHeader png(byte[] b, String name) {
        int n = b.length;
        if (n < 33) throw truncated(name, "PNG");
        if (!hasAt(b, 12, 'I', 'H', 'D', 'R')) throw corrupt(name, "PNG", "first chunk is not IHDR");
        long w = u32be(b, 16), h = u32be(b, 20);
        long pos = 8;
        while (true) {
            if (pos + 12 > n) throw truncated(name, "PNG");
            long len = u32be(b, (int) pos);
            boolean end = hasAt(b, (int) pos + 4, 'I', 'E', 'N', 'D');
            pos += 12 + len;
            if (pos > n) throw truncated(name, "PNG");
            if (end) break;
        }
        return new ImageHeader("PNG", clampInt(w), clampInt(h));
    }

    // --- BMP ---------------------------------------------------------------------------------------

    private static ImageHeader bmp(byte[] b, String name) {
        int n = b.length;
        if (n < 26) throw truncated(name, "BMP");
        long dataOffset = u32le(b, 10);
        long dib = u32le(b, 14);
        long w, h;
        int bpp;
        long compression = 0;
        if (dib == 12) {
            w = u16le(b, 18);
            h = u16le(b, 20);
            bpp = u16le(b, 24);
        } else if (dib >= 40) {
            if (n < 34) throw truncated(name, "BMP");
            w = s32le(b, 18);
            h = Math.abs((long) s32le(b, 22)); // negative height: rows stored top-down
            bpp = u16le(b, 28);
            compression = u32le(b, 30);
        } else {
            throw corrupt(name, "BMP", "unknown header size " + dib);
        }
        if (w <= 0 || h <= 0) throw corrupt(name, "BMP", "dimensions " + w + "x" + h);
        if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
            throw corrupt(name, "BMP", bpp + " bits per pixel");
        }
        // Uncompressed (BI_RGB) and bitfield layouts: every row must be present.
        if (compression == 0 || compression == 3) {
            long rowBytes = ((w * bpp + 31) / 32) * 4;
            if (dataOffset + rowBytes * h > n) throw truncated(name, "BMP");
        } else if (dataOffset >= n) {
            throw truncated(name, "BMP");
        }
        return new ImageHeader("BMP", clampInt(w), clampInt(h));
    }

    // --- WebP: RIFF container, then a VP8 / VP8L / VP8X chunk --------------------------------------

    private static ImageHeader webp(byte[] b, String name) {
        int n = b.length;
        if (n < 30) throw truncated(name, "WebP");
        if (u32le(b, 4) + 8 > n) throw truncated(name, "WebP");
        int w, h;
        if (hasAt(b, 12, 'V', 'P', '8', ' ')) {
            if (!hasAt(b, 23, 0x9D, 0x01, 0x2A)) throw corrupt(name, "WebP", "bad VP8 frame start");
            w = u16le(b, 26) & 0x3FFF;
            h = u16le(b, 28) & 0x3FFF;
        } else if (hasAt(b, 12, 'V', 'P', '8', 'L')) {
            if ((b[20] & 0xFF) != 0x2F) throw corrupt(name, "WebP", "bad VP8L signature");
            long bits = u32le(b, 21);
            w = (int) (bits & 0x3FFF) + 1;
            h = (int) ((bits >> 14) & 0x3FFF) + 1;
        } else if (hasAt(b, 12, 'V', 'P', '8', 'X')) {
            w = (int) (u24le(b, 24) + 1);
            h = (int) (u24le(b, 27) + 1);
        } else {
            throw corrupt(name, "WebP", "unknown chunk");
        }
        return new ImageHeader("WebP", w, h);
    }

    // --- helpers ---------------------------------------------------------------------------------

    private static UserError truncated(String name, String format) {
        return new UserError(name + ": truncated " + format + " file (data ends before the image does)");
    }

    private static UserError corrupt(String name, String format, String what) {
        return new UserError(name + ": corrupt " + format + " file (" + what + ")");
    }

    private static boolean startsWith(byte[] b, int... sig) {
        return hasAt(b, 0, sig);
    }

    private static boolean hasAt(byte[] b, int off, int... sig) {
        if (off < 0 || off + sig.length > b.length) return false;
        for (int i = 0; i < sig.length; i++) if ((b[off + i] & 0xFF) != sig[i]) return false;
        return true;
    }

    private static int clampInt(long v) {
        return (int) Math.min(v, Integer.MAX_VALUE);
    }

    private static int u16be(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    private static long u32be(byte[] b, int i) {
        return ((long) u16be(b, i) << 16) | u16be(b, i + 2);
    }

    private static int u16le(byte[] b, int i) {
        return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8);
    }

    private static long u24le(byte[] b, int i) {
        return u16le(b, i) | ((long) (b[i + 2] & 0xFF) << 16);
    }

    private static long u32le(byte[] b, int i) {
        return u16le(b, i) | ((long) u16le(b, i + 2) << 16);
    }

    private static int s32le(byte[] b, int i) {
        return (int) u32le(b, i);
    }
}
