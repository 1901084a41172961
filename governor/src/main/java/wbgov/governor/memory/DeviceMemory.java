package wbgov.governor.memory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import wbgov.governor.journal.AtomicFile;

/**
 * What the daemon learned about each device it governed — its completion rate — kept across
 * runs and reboots under {@code /var/lib/wbgov/devices}, keyed by {@link DeviceIdentity}. A
 * device met again starts at the allowance its remembered rate earns (rate × drain target,
 * within its policy's bounds) instead of its class's cautious {@code initial}: a fast USB stick
 * of a slow class takes its first burst at once, a slow one is capped as tightly as last time.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} devices (the least recently seen go first) and none
 * older than {@link #MAX_AGE_SECONDS}. Written atomically ({@link AtomicFile}), only when
 * something changed by more than {@link #RATE_CHANGE} or was last seen over an hour ago, so a
 * steady daemon does not write every interval. A file that does not parse is not fatal: lines
 * that do not parse are skipped with a warning naming file and line, and rewritten at the next
 * save (what was learned is a hint, never needed for safety).
 *
 * <pre>
 * wbgov-devices 1
 * # key	completion rate (bytes/s)	last seen (seconds since the epoch)
 * loop:/srv/img/disk.raw	209715200	1795723200
 * </pre>
 * Keys are escaped: backslash, tab and newline as {@code \\}, {@code \t}, {@code \n}.
 */
public final class DeviceMemory {
    public static final String FILE_NAME = "devices";
    static final String HEADER = "wbgov-devices 1";
    public static final int MAX_ENTRIES = 1024;
    public static final long MAX_AGE_SECONDS = 180L * 24 * 3600;
    /** A remembered rate is rewritten when it changed by more than this fraction. */
    static final double RATE_CHANGE = 0.10;
    private static final int MAX_KEY_CHARS = 1024;

    /** One remembered device. */
    public record Entry(double rateBytesPerSec, long seenEpochSeconds) {
    }

    private final Path file;
    private final Map<String, Entry> entries = new HashMap<>();
    private boolean dirty;

    private DeviceMemory(Path file) {
        this.file = file;
    }

    /**
     * Reads {@code file} (missing: empty). Lines that do not parse go to {@code warnings} as
     * "file:line: why" and are dropped; entries older than {@link #MAX_AGE_SECONDS} are dropped.
     */
    public static DeviceMemory load(Path file, long nowEpochSeconds, List<String> warnings) {
        DeviceMemory m = new DeviceMemory(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return m;
        } catch (CharacterCodingException e) {
            warnings.add(file + ": not valid UTF-8: starting without remembered devices");
            m.dirty = true;
            return m;
        } catch (IOException e) {
            warnings.add(file + ": cannot read (" + e.getMessage() + "): starting without remembered devices");
            return m;
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            warnings.add(file + ":1: not a wbgov devices file (expected '" + HEADER + "'): ignored");
            m.dirty = true;
            return m;
        }
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            try {
                if (f.length != 3) {
                    throw new IllegalArgumentException("expected 3 tab-separated fields, found " + f.length);
                }
                String key = unescape(f[0]);
                double rate = Double.parseDouble(f[1]);
                long seen = Long.parseLong(f[2]);
                if (key.isEmpty() || !(rate > 0) || Double.isInfinite(rate)) {
                    throw new IllegalArgumentException("empty key or rate not positive");
                }
                if (nowEpochSeconds - seen <= MAX_AGE_SECONDS) {
                    m.entries.put(key, new Entry(rate, seen));
                } else {
                    m.dirty = true; // aged out: the next save forgets it
                }
            } catch (IllegalArgumentException e) {
                warnings.add(file + ":" + (i + 1) + ": " + e.getMessage() + ": line skipped");
                m.dirty = true;
            }
        }
        return m;
    }

    public Path file() {
        return file;
    }

    /** The device remembered under {@code key}, or null. */
    public Entry get(String key) {
        return key == null ? null : entries.get(key);
    }

    public int size() {
        return entries.size();
    }

    /**
     * Remembers {@code key}'s rate, seen now. Marks the file for writing only when the rate moved
     * by more than {@link #RATE_CHANGE} or the entry was last written over an hour ago.
     */
    public void put(String key, double rateBytesPerSec, long nowEpochSeconds) {
        if (key == null || key.length() > MAX_KEY_CHARS || !(rateBytesPerSec > 0) || Double.isInfinite(rateBytesPerSec)) {
            return;
        }
        Entry old = entries.get(key);
        if (old != null && Math.abs(rateBytesPerSec - old.rateBytesPerSec) <= RATE_CHANGE * old.rateBytesPerSec
                && nowEpochSeconds - old.seenEpochSeconds < 3600) {
            return;
        }
        entries.put(key, new Entry(rateBytesPerSec, nowEpochSeconds));
        dirty = true;
    }

    /** Writes the file if anything changed, keeping the {@link #MAX_ENTRIES} most recently seen. */
    public boolean save() throws IOException {
        if (!dirty) {
            return false;
        }
        List<Map.Entry<String, Entry>> all = new ArrayList<>(entries.entrySet());
        all.sort((a, b) -> Long.compare(b.getValue().seenEpochSeconds, a.getValue().seenEpochSeconds));
        if (all.size() > MAX_ENTRIES) {
            for (Map.Entry<String, Entry> e : all.subList(MAX_ENTRIES, all.size())) {
                entries.remove(e.getKey());
            }
            all = all.subList(0, MAX_ENTRIES);
        }
        StringBuilder b = new StringBuilder(HEADER).append('\n')
                .append("# key\tcompletion rate (bytes/s)\tlast seen (seconds since the epoch)\n");
        for (Map.Entry<String, Entry> e : all) {
            b.append(escape(e.getKey())).append('\t')
                    .append(String.format(Locale.ROOT, "%.0f", e.getValue().rateBytesPerSec)).append('\t')
                    .append(e.getValue().seenEpochSeconds).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, b.toString());
        dirty = false;
        return true;
    }

    static String escape(String key) {
        return key.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i == s.length()) {
                throw new IllegalArgumentException("key ends in a lone backslash");
            }
            char n = s.charAt(i);
            b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == '\\' ? '\\' : fail(n));
        }
        return b.toString();
    }

    private static char fail(char c) {
        throw new IllegalArgumentException("unknown escape \\" + c + " in key");
    }
}
