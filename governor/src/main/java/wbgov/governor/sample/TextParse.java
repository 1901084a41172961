package wbgov.governor.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Allocation-free reading and parsing of the kernel's small text files: a held channel re-read
 * at offset 0 into a reused direct buffer, then bytes parsed into primitives by hand (no
 * String, no split, no regex), so the sampling loop allocates nothing.
 *
 * <p>Absolute {@code ByteBuffer.get(int)} throughout: position and limit of the buffer are not
 * used, the valid length is passed explicitly.
 */
final class TextParse {
    private TextParse() {
    }

    /** ASCII bytes of a key, built once at class init. */
    static byte[] key(String s) {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) s.charAt(i);
        }
        return b;
    }

    /**
     * Reads the whole file from offset 0 into {@code buf} (pread; sysfs and seq_file regenerate
     * the text on a read at 0), until end of file. Returns the number of bytes, or throws.
     */
    static int readFully(FileChannel ch, ByteBuffer buf) throws IOException {
        return read(ch, buf, false);
    }

    /**
     * {@link #readFully} with one pread instead of two for a file the kernel generates in one
     * piece: a sysfs attribute, or a seq_file opened with {@code single_open} (debugfs
     * {@code bdi/BDI/stats}, {@code /proc/pressure/*}). Such a read returns the whole text when
     * it fits, so a read shorter than the buffer is the whole file and the read that would only
     * see end of file is skipped. Not for seq_files of many records ({@code /proc/vmstat},
     * {@code /proc/partitions}, mountinfo): their first read may stop at a page boundary.
     */
    static int readWhole(FileChannel ch, ByteBuffer buf) throws IOException {
        return read(ch, buf, true);
    }

    private static int read(FileChannel ch, ByteBuffer buf, boolean shortReadIsWhole) throws IOException {
        buf.clear();
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, total);
            if (n <= 0) {
                break;
            }
            total += n;
            if (shortReadIsWhole && buf.hasRemaining()) {
                break;
            }
        }
        return total;
    }

    /**
     * One pass over "KEY value" lines: for each line that starts with {@code keys[k]}, the first
     * unsigned decimal after it goes to {@code out[k]}; keys not found give -1. Keys include their
     * delimiter ("nr_dirty " or "DirtyThresh:") so that prefixes of other keys do not match.
     */
    static void parseKeyed(ByteBuffer buf, int len, byte[][] keys, long[] out) {
        for (int k = 0; k < out.length; k++) {
            out[k] = -1;
        }
        int line = 0;
        int found = 0;
        while (line < len && found < keys.length) { // stops at the last key wanted (vmstat: line ~70 of ~190)
            for (int k = 0; k < keys.length; k++) {
                if (out[k] < 0 && startsWith(buf, line, len, keys[k])) {
                    out[k] = parseUnsigned(buf, line + keys[k].length, len);
                    found += out[k] >= 0 ? 1 : 0;
                    break;
                }
            }
            int nl = indexOf(buf, line, len, (byte) '\n');
            line = nl < 0 ? len : nl + 1;
        }
    }

    /**
     * The {@code index}-th (0-based) whitespace-separated unsigned decimal field of the text, or -1
     * when there are fewer fields.
     */
    static long field(ByteBuffer buf, int len, int index) {
        int i = 0;
        int f = -1;
        while (i < len) {
            while (i < len && isSpace(buf.get(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            f++;
            if (f == index) {
                return parseUnsigned(buf, i, len);
            }
            while (i < len && !isSpace(buf.get(i))) {
                i++;
            }
        }
        return -1;
    }

    /**
     * PSI: in the line starting with {@code lineKey} ("some " / "full "), the value after
     * {@code field} ("avg10=" / "total="). Decimals come back in hundredths when
     * {@code hundredths} ("avg10=1.23" → 123). -1 when absent.
     */
    static long psiField(ByteBuffer buf, int len, byte[] lineKey, byte[] field, boolean hundredths) {
        int line = 0;
        while (line < len) {
            int nl = indexOf(buf, line, len, (byte) '\n');
            int end = nl < 0 ? len : nl;
            if (startsWith(buf, line, end, lineKey)) {
                for (int i = line + lineKey.length; i < end; i++) {
                    if (startsWith(buf, i, end, field)) {
                        int p = i + field.length;
                        return hundredths ? parseHundredths(buf, p, end) : parseUnsigned(buf, p, end);
                    }
                }
                return -1;
            }
            line = end + 1;
        }
        return -1;
    }

    /** Skips spaces, then parses digits; -1 when there are none. */
    static long parseUnsigned(ByteBuffer buf, int from, int len) {
        int i = from;
        while (i < len && isSpace(buf.get(i))) {
            i++;
        }
        long v = 0;
        int start = i;
        while (i < len) {
            byte c = buf.get(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            i++;
        }
        return i == start ? -1 : v;
    }

    /** "12.34" → 1234; "5" → 500; "0.5" → 50. -1 when no digits. */
    static long parseHundredths(ByteBuffer buf, int from, int len) {
        long whole = parseUnsigned(buf, from, len);
        if (whole < 0) {
            return -1;
        }
        int i = from;
        while (i < len && buf.get(i) >= '0' && buf.get(i) <= '9') {
            i++;
        }
        long frac = 0;
        int digits = 0;
        if (i < len && buf.get(i) == '.') {
            i++;
            while (i < len && digits < 2 && buf.get(i) >= '0' && buf.get(i) <= '9') {
                frac = frac * 10 + (buf.get(i) - '0');
                digits++;
                i++;
            }
        }
        if (digits == 1) {
            frac *= 10;
        }
        return whole * 100 + frac;
    }

    static boolean startsWith(ByteBuffer buf, int at, int len, byte[] key) {
        if (at + key.length > len) {
            return false;
        }
        for (int j = 0; j < key.length; j++) {
            if (buf.get(at + j) != key[j]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(ByteBuffer buf, int from, int len, byte b) {
        for (int i = from; i < len; i++) {
            if (buf.get(i) == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }
}
