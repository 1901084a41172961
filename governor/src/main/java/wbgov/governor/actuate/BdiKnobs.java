package wbgov.governor.actuate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.sample.SystemSampler;

/**
 * The one class that writes {@code /sys/class/bdi/BDI/} knobs: {@code max_bytes},
 * {@code min_bytes}, {@code strict_limit}, and the ratio knobs ({@code max_ratio_fine},
 * {@code min_ratio_fine} in ppm, or whole-percent {@code max_ratio}, {@code min_ratio}) where the
 * byte knobs are missing (kernels before 6.2).
 *
 * <p>Why a class of its own: the kernel's knobs have traps that every writer must get right, so
 * there is exactly one writer.
 * <ul>
 * <li><b>Journal before write.</b> Before the first write to any knob of a bdi, its original
 * values are recorded durably in the {@link KnobJournal} given at construction; there is no
 * write path around it (restores excepted, which write the journal's own values back).
 * <li><b>Order.</b> The kernel refuses min above max: when min rises, max is written first;
 * otherwise min first. Strict mode is switched off before the limits move and on after.
 * <li><b>Read-back.</b> Byte knobs are stored as a fraction (ppm) of the global dirty threshold:
 * writing 16777216 reads back about 16774041. {@link #apply} returns what the kernel kept; and
 * since the threshold moves with dirtyable memory, {@link #drifted} says when to re-assert.
 * <li><b>Division by zero.</b> 6.2-era kernels divide by the global threshold when converting
 * bytes: nothing is written while it reads 0.
 * <li><b>EINVAL is normal.</b> A busy bdi sometimes refuses a write that succeeds a moment later:
 * each write is retried once, then counted, logged once, and returned as
 * {@link ApplyResult#error()} — not thrown.
 * </ul>
 * Not hot: called when a controller changes its decision (hysteresis keeps that rare) or on a
 * drift check every few seconds. Not thread-safe; one governor thread owns it.
 */
public final class BdiKnobs implements KnobJournal.Restorer {
    private static final Logger LOG = LoggerFactory.getLogger(BdiKnobs.class);
    private static final long PPM = 1_000_000;

    private final Path bdiRoot;
    private final Path vmstat;
    private final long pageSizeBytes;
    private final KnobJournal journal;

    private long writes;
    private long retries;
    private long failures;
    private long refusals;
    private boolean loggedFailure;

    /**
     * @param sysRoot normally {@code /sys}
     * @param procRoot normally {@code /proc} (global threshold from vmstat)
     * @param pageSizeBytes the kernel page size
     * @param journal where originals go before the first write; required
     */
    public BdiKnobs(Path sysRoot, Path procRoot, long pageSizeBytes, KnobJournal journal) {
        if (journal == null) {
            throw new IllegalArgumentException("a KnobJournal is required: no knob is written unjournaled");
        }
        this.bdiRoot = sysRoot.resolve("class/bdi");
        this.vmstat = procRoot.resolve("vmstat");
        this.pageSizeBytes = pageSizeBytes;
        this.journal = journal;
    }

    /** For the real system. */
    public static BdiKnobs system(KnobJournal journal) {
        return new BdiKnobs(Path.of("/sys"), Path.of("/proc"), SystemSampler.pageSize(Path.of("/proc")), journal);
    }

    public KnobJournal journal() {
        return journal;
    }

    /** Knob writes that succeeded. */
    public long writes() {
        return writes;
    }

    /** Writes refused once and retried. */
    public long retries() {
        return retries;
    }

    /** Writes refused twice (reported in {@link ApplyResult#error()}). */
    public long failures() {
        return failures;
    }

    /** Applies refused before writing (global threshold 0). */
    public long refusals() {
        return refusals;
    }

    /** What the kernel keeps for {@code bdi} now. @throws NoSuchFileException when the bdi is gone */
    public KnobState read(String bdi) throws IOException {
        Path dir = bdiRoot.resolve(bdi);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "bdi " + bdi + " does not exist");
        }
        boolean byteKnobs = Files.exists(dir.resolve("max_bytes"));
        boolean fine = Files.exists(dir.resolve("max_ratio_fine"));
        long maxPpm = fine ? readLong(dir.resolve("max_ratio_fine")) : readLong(dir.resolve("max_ratio")) * 10_000;
        long minPpm = fine ? readLong(dir.resolve("min_ratio_fine")) : readLong(dir.resolve("min_ratio")) * 10_000;
        boolean strict = Files.exists(dir.resolve("strict_limit")) && readLong(dir.resolve("strict_limit")) != 0;
        long thresh = globalThreshBytes();
        long maxBytes = byteKnobs ? readLong(dir.resolve("max_bytes")) : fromPpm(maxPpm, thresh);
        long minBytes = byteKnobs ? readLong(dir.resolve("min_bytes")) : fromPpm(minPpm, thresh);
        return new KnobState(maxBytes, minBytes, maxPpm, minPpm, strict, thresh, byteKnobs, pageSizeBytes,
                fine ? 1 : 10_000);
    }

    /**
     * Moves {@code bdi} to {@code target}: journals the originals first (once per bdi), writes only
     * the knobs that differ by more than the kernel's granularity, in an order the kernel accepts,
     * and returns what it kept.
     *
     * @throws KnobException when the bdi is gone or the global threshold reads 0
     */
    public ApplyResult apply(String bdi, KnobTarget target) throws IOException {
        KnobState cur;
        try {
            cur = read(bdi);
        } catch (NoSuchFileException e) {
            throw new KnobException("bdi " + bdi + " is gone: " + e.getMessage(), e);
        }
        if (cur.globalThreshBytes() <= 0) {
            refusals++;
            throw new KnobException("bdi " + bdi + ": global dirty threshold reads 0; not writing limits "
                    + "(6.2-era kernels divide by it)");
        }
        long quantum = cur.quantumBytes();
        boolean maxDiffers = Math.abs(cur.maxBytes() - target.maxBytes()) > quantum;
        boolean minDiffers = Math.abs(cur.minBytes() - target.minBytes()) > quantum;
        List<String[]> steps = new ArrayList<>(4);
        if (!target.strict() && cur.strict()) {
            steps.add(new String[] {"strict_limit", "0"});
        }
        if (target.minBytes() > cur.minBytes()) {
            addLimit(steps, bdi, cur, true, maxDiffers, target.maxBytes());
            addLimit(steps, bdi, cur, false, minDiffers, target.minBytes());
        } else {
            addLimit(steps, bdi, cur, false, minDiffers, target.minBytes());
            addLimit(steps, bdi, cur, true, maxDiffers, target.maxBytes());
        }
        // strict_limit exists only from 6.2 (with max_bytes): before, the ratio fallback is all
        // there is, and asking for strict must not fail the whole apply every tick.
        if (target.strict() && !cur.strict() && Files.exists(bdiRoot.resolve(bdi).resolve("strict_limit"))) {
            steps.add(new String[] {"strict_limit", "1"});
        }
        if (steps.isEmpty()) {
            return new ApplyResult(cur, 0, null);
        }
        journal.recordIfAbsent(bdi, originals(bdi));
        String error = null;
        int done = 0;
        for (String[] s : steps) {
            String e = write(bdi, s[0], s[1]);
            if (e == null) {
                done++;
            } else if (error == null) {
                error = e;
            }
        }
        return new ApplyResult(read(bdi), done, error);
    }

    private void addLimit(List<String[]> steps, String bdi, KnobState cur, boolean max, boolean differs, long bytes) {
        if (!differs) {
            return;
        }
        String side = max ? "max" : "min";
        if (cur.byteKnobs()) {
            steps.add(new String[] {side + "_bytes", Long.toString(bytes)});
            return;
        }
        // ratio fallback (kernels before 6.2): max rounds up to at least the smallest step (0
        // would stop the device), min rounds down (never reserve more than asked)
        double share = (double) bytes / cur.globalThreshBytes();
        if (Files.exists(bdiRoot.resolve(bdi).resolve("max_ratio_fine"))) {
            long ppm = max ? Math.max(1, Math.min(PPM, Math.round(share * PPM)))
                    : Math.max(0, Math.min(PPM - 1, (long) Math.floor(share * PPM)));
            if (ppm != (max ? cur.maxRatioPpm() : cur.minRatioPpm())) {
                steps.add(new String[] {side + "_ratio_fine", Long.toString(ppm)});
            }
        } else {
            long percent = max ? Math.max(1, Math.min(100, Math.round(share * 100)))
                    : Math.max(0, Math.min(99, (long) Math.floor(share * 100)));
            if (percent * 10_000 != (max ? cur.maxRatioPpm() : cur.minRatioPpm())) {
                steps.add(new String[] {side + "_ratio", Long.toString(percent)});
            }
        }
    }

    /**
     * True when the kernel's kept limits have moved away from {@code target} by more than the
     * larger of two quanta (its ppm granularity) and 1/64 of the target (about 1.6 %): the global
     * threshold moved with dirtyable memory, and the caller should {@link #apply} again.
     */
    public boolean drifted(KnobState kept, KnobTarget target) {
        // strict_limit came with the byte knobs (6.2): where they are missing, strict cannot be
        // had and its absence is no drift.
        return drifted(kept.maxBytes(), kept.minBytes(), kept.strict(), kept.quantumBytes(), target.maxBytes(),
                target.minBytes(), target.strict() && kept.byteKnobs());
    }

    /**
     * {@link #drifted(KnobState, KnobTarget)} on primitives, for the governor's allocation-free
     * periodic check ({@code quantumBytes} as {@link KnobState#quantumBytes()}).
     */
    public static boolean drifted(long keptMaxBytes, long keptMinBytes, boolean keptStrict, long quantumBytes,
            long targetMaxBytes, long targetMinBytes, boolean targetStrict) {
        long q = 2 * quantumBytes;
        return keptStrict != targetStrict
                || Math.abs(keptMaxBytes - targetMaxBytes) > Math.max(q, targetMaxBytes / 64)
                || Math.abs(keptMinBytes - targetMinBytes) > Math.max(q, targetMinBytes / 64);
    }

    /**
     * The bdi's current values of the knobs that carry its state: the ratio knobs (fine where the
     * kernel has them) and strict_limit. The byte knobs are views of the ratios and are restored
     * through them, exactly.
     */
    public Map<String, String> originals(String bdi) throws IOException {
        Path dir = bdiRoot.resolve(bdi);
        Map<String, String> out = new LinkedHashMap<>();
        boolean fine = Files.exists(dir.resolve("max_ratio_fine"));
        for (String k : fine ? new String[] {"max_ratio_fine", "min_ratio_fine", "strict_limit"}
                : new String[] {"max_ratio", "min_ratio", "strict_limit"}) {
            Path p = dir.resolve(k);
            if (Files.exists(p)) {
                out.put(k, Long.toString(readLong(p)));
            }
        }
        return out;
    }

    /** Puts every journaled knob back ({@link KnobJournal#restoreAll}). */
    public KnobJournal.RestoreReport restoreAll() throws IOException {
        return journal.restoreAll(this);
    }

    @Override
    public boolean exists(String bdi) {
        return Files.isDirectory(bdiRoot.resolve(bdi));
    }

    @Override
    public void lowerMin(String bdi, Map<String, String> original) throws IOException {
        String minKnob = original.containsKey("min_ratio_fine") ? "min_ratio_fine" : "min_ratio";
        String want = original.get(minKnob);
        if (want != null && readLong(bdiRoot.resolve(bdi).resolve(minKnob)) > Long.parseLong(want)) {
            writeOrThrow(bdi, minKnob, want);
        }
    }

    @Override
    public void restore(String bdi, Map<String, String> original) throws IOException {
        boolean fine = original.containsKey("max_ratio_fine") || original.containsKey("min_ratio_fine");
        String minKnob = fine ? "min_ratio_fine" : "min_ratio";
        String maxKnob = fine ? "max_ratio_fine" : "max_ratio";
        String minWant = original.get(minKnob);
        String maxWant = original.get(maxKnob);
        long curMin = readLong(bdiRoot.resolve(bdi).resolve(minKnob));
        if (minWant != null && Long.parseLong(minWant) > curMin) {
            writeIfSet(bdi, maxKnob, maxWant);
            writeIfSet(bdi, minKnob, minWant);
        } else {
            writeIfSet(bdi, minKnob, minWant);
            writeIfSet(bdi, maxKnob, maxWant);
        }
        writeIfSet(bdi, "strict_limit", original.get("strict_limit"));
        for (Map.Entry<String, String> e : original.entrySet()) {
            if (e.getKey().endsWith("_bytes")) {
                continue;       // views of the ratios, not restored on their own
            }
            long now = readLong(bdiRoot.resolve(bdi).resolve(e.getKey()));
            if (now != Long.parseLong(e.getValue())) {
                throw new IOException("bdi " + bdi + ": " + e.getKey() + " is " + now + " after restore, original "
                        + e.getValue());
            }
        }
    }

    private void writeIfSet(String bdi, String knob, String value) throws IOException {
        if (value != null) {
            writeOrThrow(bdi, knob, value);
        }
    }

    private void writeOrThrow(String bdi, String knob, String value) throws IOException {
        String e = write(bdi, knob, value);
        if (e != null) {
            throw new IOException(e);
        }
    }

    /** One knob write, retried once; null on success, else the error text. Vanished bdi: throws. */
    private String write(String bdi, String knob, String value) throws NoSuchFileException {
        Path p = bdiRoot.resolve(bdi).resolve(knob);
        IOException last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                writeRaw(p, value);
                writes++;
                return null;
            } catch (NoSuchFileException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                if (attempt == 0) {
                    retries++;
                }
            }
        }
        failures++;
        String msg = "bdi " + bdi + ": kernel rejected " + knob + "=" + value + " (" + last.getMessage() + ") "
                + p + hint(knob);
        if (!loggedFailure) {
            LOG.warn("{} (further rejections are counted, not logged)", msg);
            loggedFailure = true;
        } else {
            LOG.debug(msg);
        }
        return msg;
    }

    /** The kernel's reasons for EINVAL on each knob, for the admin reading the error. */
    private static String hint(String knob) {
        if (knob.startsWith("max_")) {
            return ": max above dirtyable memory or 100 %, or below this bdi's min";
        }
        if (knob.startsWith("min_")) {
            return ": min above this bdi's max, or the sum of all bdis' min_ratio would reach 100 %";
        }
        return "";
    }

    /** sysfs takes a value in one write() call. */
    private static void writeRaw(Path p, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            int n = ch.write(ByteBuffer.wrap(bytes));
            if (n != bytes.length) {
                throw new IOException("short write " + n + " of " + bytes.length + " bytes");
            }
        }
    }

    private long globalThreshBytes() throws IOException {
        for (String line : Files.readAllLines(vmstat)) {
            if (line.startsWith("nr_dirty_threshold ")) {
                return Long.parseLong(line.substring(19).trim()) * pageSizeBytes;
            }
        }
        return 0;
    }

    private static long fromPpm(long ppm, long threshBytes) {
        return ppm < 0 || threshBytes <= 0 ? -1 : (long) ((double) threshBytes * ppm / PPM);
    }

    private static long readLong(Path p) throws IOException {
        String s = Files.readString(p).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException(p + ": not a number: '" + s + "'", e);
        }
    }
}
