package wbgov.governor.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The original value of every bdi knob wbgov is about to change, kept durably so that the
 * machine can always be put back: on normal exit, on SIGTERM, at the next start after a crash or
 * kill -9 (restore first), and by {@code wbgov restore}.
 *
 * <p>Why durable before the write: a knob changed and not journaled is a knob nobody can put
 * back after a crash (kernel defaults are not always the original: FUSE bdis start at
 * {@code max_ratio=1, strict_limit=1}, udev rules set others). The first write to any knob of a
 * bdi is preceded by {@link #recordIfAbsent}, which returns only once the journal file is on
 * disk: written to a temporary file, fsync'd, renamed over the journal, and the directory
 * fsync'd. Later records of the same bdi are ignored: the first original wins, so a restart
 * after a crash never journals wbgov's own values as "original".
 *
 * <p>File format (text, one knob per line, for an admin to read):
 *
 * <pre>
 * wbgov-knob-journal 1
 * bdi 7:0 max_ratio_fine 1000000
 * bdi 7:0 min_ratio_fine 0
 * bdi 7:0 strict_limit 0
 * </pre>
 *
 * A file that does not parse is an error naming the file and line; it is never overwritten
 * silently (the originals in it may be the only copy).
 */
public final class KnobJournal {
    /** Default state directory (tmpfs: a reboot resets the knobs anyway). */
    public static final Path DEFAULT_DIR = Path.of("/run/wbgov");
    public static final String FILE_NAME = "knobs.journal";
    private static final String HEADER = "wbgov-knob-journal 1";

    /** Knobs the journal accepts: the ratio knobs carry the byte knobs' value. */
    public static final Set<String> KNOBS = Set.of(
            "max_ratio_fine", "min_ratio_fine", "max_ratio", "min_ratio", "strict_limit", "max_bytes", "min_bytes");

    /**
     * What {@link #restoreAll} needs from the one class that writes knobs, so that this package
     * does not depend on it.
     */
    public interface Restorer {
        /** Whether the bdi still exists. */
        boolean exists(String bdi);

        /** First pass over all bdis: lower min knobs that are above their original (sum of min ratios). */
        void lowerMin(String bdi, Map<String, String> original) throws IOException;

        /** Second pass: put every knob of the bdi back, in an order the kernel accepts. */
        void restore(String bdi, Map<String, String> original) throws IOException;
    }

    /** What a restore did. */
    public record RestoreReport(List<String> restored, List<String> vanished, Map<String, String> failed) {
        public boolean ok() {
            return failed.isEmpty();
        }
    }

    private final Path dir;
    private final Path file;
    /** bdi → knob → original value, in record order. */
    private final Map<String, Map<String, String>> entries = new LinkedHashMap<>();

    /**
     * Opens the journal in {@code stateDir} (created if missing) and loads what a previous run
     * left there.
     *
     * @throws JournalException when the file exists and is corrupt (message: path, line)
     */
    public KnobJournal(Path stateDir) throws IOException {
        this.dir = stateDir;
        this.file = stateDir.resolve(FILE_NAME);
        Files.createDirectories(stateDir);
        load();
    }

    public Path file() {
        return file;
    }

    private void load() throws JournalException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new JournalException("cannot read knob journal " + file + ": " + e, e);
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new JournalException(file + ":1: corrupt knob journal: expected '" + HEADER + "' (restore the "
                    + "knobs by hand from it, then delete it)");
        }
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            if (f.length != 4 || !f[0].equals("bdi") || !isBdiName(f[1]) || !KNOBS.contains(f[2])
                    || !f[3].matches("\\d{1,19}")) {
                throw new JournalException(file + ":" + (i + 1) + ": corrupt knob journal line '" + line
                        + "': expected 'bdi NAME KNOB VALUE'");
            }
            entries.computeIfAbsent(f[1], k -> new LinkedHashMap<>()).put(f[2], f[3]);
        }
    }

    /**
     * A name under /sys/class/bdi: {@code MAJ:MIN} for block devices, and names such as
     * {@code 9p-1} or {@code btrfs-2} for file systems that register their own bdi. One path
     * component, no blanks (the journal's field separator). What the writer accepts, the reader
     * accepts: a journal the daemon wrote is always one the next start can restore from.
     */
    static boolean isBdiName(String s) {
        return s.matches("[A-Za-z0-9][A-Za-z0-9:._+-]{0,63}");
    }

    public synchronized boolean contains(String bdi) {
        return entries.containsKey(bdi);
    }

    public synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    /** A copy: bdi → knob → original value. */
    public synchronized Map<String, Map<String, String>> entries() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Map.Entry<String, Map<String, String>> e : entries.entrySet()) {
            out.put(e.getKey(), Collections.unmodifiableMap(new LinkedHashMap<>(e.getValue())));
        }
        return out;
    }

    /**
     * Records the original knob values of {@code bdi} unless it is already journaled; returns
     * once they are durable. Call before the first write to any knob of the bdi.
     */
    public synchronized void recordIfAbsent(String bdi, Map<String, String> originals) throws IOException {
        if (entries.containsKey(bdi)) {
            return;
        }
        if (!isBdiName(bdi)) {
            throw new IllegalArgumentException("not a bdi name: '" + bdi + "'");
        }
        for (Map.Entry<String, String> e : originals.entrySet()) {
            if (!KNOBS.contains(e.getKey()) || !e.getValue().matches("\\d{1,19}")) {
                throw new IllegalArgumentException("not a journaled knob value: " + e);
            }
        }
        entries.put(bdi, new LinkedHashMap<>(originals));
        try {
            persist();
        } catch (IOException e) {
            entries.remove(bdi);
            throw e;
        }
    }

    /**
     * Puts every journaled knob back: first lowers min knobs everywhere (so the kernel's sum of
     * min ratios never blocks), then restores each bdi. Bdis that no longer exist are dropped
     * without error. Restored and vanished bdis leave the journal; failed ones stay for the
     * next attempt.
     */
    public synchronized RestoreReport restoreAll(Restorer restorer) throws IOException {
        List<String> restored = new ArrayList<>();
        List<String> vanished = new ArrayList<>();
        Map<String, String> failed = new TreeMap<>();
        Map<String, Map<String, String>> all = entries();
        for (Map.Entry<String, Map<String, String>> e : all.entrySet()) {
            if (restorer.exists(e.getKey())) {
                try {
                    restorer.lowerMin(e.getKey(), e.getValue());
                } catch (IOException ex) {
                    // the full restore below retries and reports
                }
            }
        }
        for (Map.Entry<String, Map<String, String>> e : all.entrySet()) {
            String bdi = e.getKey();
            if (!restorer.exists(bdi)) {
                vanished.add(bdi);
                continue;
            }
            try {
                restorer.restore(bdi, e.getValue());
                restored.add(bdi);
            } catch (NoSuchFileException ex) {
                vanished.add(bdi);          // went away while we restored it
            } catch (IOException ex) {
                failed.put(bdi, ex.getMessage());
            }
        }
        entries.keySet().removeAll(restored);
        entries.keySet().removeAll(vanished);
        if (entries.isEmpty()) {
            clear();
        } else {
            persist();
        }
        return new RestoreReport(List.copyOf(restored), List.copyOf(vanished), Map.copyOf(failed));
    }

    /** Forgets everything and removes the file (durably). */
    public synchronized void clear() throws IOException {
        entries.clear();
        AtomicFile.delete(file);
    }

    private void persist() throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Map.Entry<String, Map<String, String>> e : entries.entrySet()) {
            for (Map.Entry<String, String> k : e.getValue().entrySet()) {
                b.append("bdi ").append(e.getKey()).append(' ').append(k.getKey()).append(' ').append(k.getValue())
                        .append('\n');
            }
        }
        AtomicFile.write(file, b.toString());
    }
}
