package wbgov.governor.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads what the kernel keeps in the knobs of governed bdis — {@code max_bytes},
 * {@code min_bytes}, {@code strict_limit} — allocating nothing, so that the governor's periodic
 * drift check (is the kept limit still where we put it?) costs no garbage in steady state. Same
 * technique as {@link BdiSampler}: files opened once, re-read at offset 0 into one reused
 * direct buffer, parsed into primitives.
 *
 * <p>On kernels before 6.2 (no byte knobs) it reads {@code max_ratio_fine}/{@code min_ratio_fine}
 * (or whole-percent {@code max_ratio}/{@code min_ratio} × 10 000) and reports parts per million;
 * {@link #byteKnobs(int)} says which. Indexed like the device table it was built for; a slot
 * built with a null bdi is not read. Not thread-safe: the governor's tick thread only.
 */
public final class KnobSampler implements AutoCloseable {
    /** Slots of the {@code out} array of {@link #read}. */
    public static final int MAX = 0;
    public static final int MIN = 1;
    public static final int STRICT = 2;

    private final FileChannel[] max;
    private final FileChannel[] min;
    private final FileChannel[] strict;
    private final boolean[] byteKnobs;
    private final long[] ratioScale;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(64);

    /**
     * @param sysRoot normally {@code /sys}
     * @param bdis one entry per device slot; null for a slot not to read
     */
    public KnobSampler(Path sysRoot, String[] bdis) {
        int n = bdis.length;
        max = new FileChannel[n];
        min = new FileChannel[n];
        strict = new FileChannel[n];
        byteKnobs = new boolean[n];
        ratioScale = new long[n];
        for (int i = 0; i < n; i++) {
            if (bdis[i] == null) {
                continue;
            }
            Path dir = sysRoot.resolve("class/bdi").resolve(bdis[i]);
            if (Files.exists(dir.resolve("max_bytes"))) {
                byteKnobs[i] = true;
                max[i] = open(dir.resolve("max_bytes"));
                min[i] = open(dir.resolve("min_bytes"));
            } else if (Files.exists(dir.resolve("max_ratio_fine"))) {
                ratioScale[i] = 1;
                max[i] = open(dir.resolve("max_ratio_fine"));
                min[i] = open(dir.resolve("min_ratio_fine"));
            } else {
                ratioScale[i] = 10_000;
                max[i] = open(dir.resolve("max_ratio"));
                min[i] = open(dir.resolve("min_ratio"));
            }
            strict[i] = open(dir.resolve("strict_limit"));
        }
    }

    private static FileChannel open(Path p) {
        try {
            return FileChannel.open(p, StandardOpenOption.READ);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** The kernel's ratio step for slot {@code i}, ppm: 1 (fine ratios, byte knobs) or 10 000 (whole percent). */
    public long ratioStepPpm(int i) {
        return byteKnobs[i] ? 1 : ratioScale[i];
    }

    /** Whether slot {@code i} reads bytes (6.2+) rather than parts per million. */
    public boolean byteKnobs(int i) {
        return byteKnobs[i];
    }

    /**
     * Reads slot {@code i} into {@code out[MAX]}, {@code out[MIN]} (bytes, or ppm, see {@link
     * #byteKnobs}) and {@code out[STRICT]} (0/1; 0 where the kernel has no strict_limit). Returns
     * false when the slot is not open or a read fails (the bdi is gone).
     */
    public boolean read(int i, long[] out) {
        if (max[i] == null || min[i] == null) {
            return false;
        }
        long a = readLong(max[i]);
        long b = readLong(min[i]);
        long s = strict[i] == null ? 0 : readLong(strict[i]);
        if (a < 0 || b < 0 || s < 0) {
            return false;
        }
        long scale = byteKnobs[i] ? 1 : ratioScale[i];
        out[MAX] = a * scale;
        out[MIN] = b * scale;
        out[STRICT] = s;
        return true;
    }

    private long readLong(FileChannel ch) {
        try {
            int len = TextParse.readWhole(ch, buf); // a sysfs attribute
            return TextParse.parseUnsigned(buf, 0, len);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        for (FileChannel[] set : new FileChannel[][] {max, min, strict}) {
            for (FileChannel c : set) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (IOException e) {
                        // closing a read-only sysfs file: nothing to lose
                    }
                }
            }
        }
    }
}
