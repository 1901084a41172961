package wbgov.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.event.Level;

/**
 * Where and how wbgov's log lines go: one line per event on stderr, in one of two shapes.
 *
 * <ul>
 *   <li>Under journald (stderr is the stream named by {@code $JOURNAL_STREAM}): {@code <4>Governor:
 *       message}. The {@code <N>} prefix is the syslog priority journald files the line under
 *       (3 error, 4 warning, 6 info, 7 debug), so {@code journalctl -p warning} shows warnings and
 *       errors only; no timestamp, since the journal stamps every line itself.</li>
 *   <li>Anywhere else (a terminal, a file, a test's pipe): {@code 2026-11-26 14:30:01.123 WARN
 *       Governor: message}, with the full date, because a file outlives the day.</li>
 * </ul>
 *
 * <p>The threshold is process-wide and can change at any time ({@code --log-level}); loggers read
 * it on every call. Every line of a stack trace carries the event's priority, so journald does
 * not file a WARN's trace as info.
 */
public final class LogOutput {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);

    private static volatile Level threshold = Level.INFO;
    private static volatile boolean journal = underJournald(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));
    private static volatile PrintStream out = System.err;

    private LogOutput() {
    }

    /** Sets the threshold: "error", "warn"/"warning", "info", "debug", "trace" (any case). */
    public static void setLevel(String name) {
        threshold = parseLevel(name);
    }

    public static Level level() {
        return threshold;
    }

    static Level parseLevel(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("WARNING")) {
            return Level.WARN;
        }
        try {
            return Level.valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("log level '" + name + "': expected error, warn, info, debug or trace");
        }
    }

    static boolean enabled(Level l) {
        return l.toInt() >= threshold.toInt();
    }

    /**
     * True when stderr is journald's stream: {@code JOURNAL_STREAM} is {@code DEV:INODE} of the
     * stream systemd connected, and it is ours only while fd 2 still is that stream (a child
     * whose stderr was redirected inherits the variable but not the stream; sd_journal_stream_fd(3)).
     */
    static boolean underJournald(String journalStream, Path stderr) {
        if (journalStream == null || journalStream.isEmpty()) {
            return false;
        }
        int colon = journalStream.indexOf(':');
        if (colon < 0) {
            return false;
        }
        try {
            long dev = Long.parseLong(journalStream.substring(0, colon));
            long ino = Long.parseLong(journalStream.substring(colon + 1));
            Object d = Files.getAttribute(stderr, "unix:dev");
            Object i = Files.getAttribute(stderr, "unix:ino");
            return ((Number) d).longValue() == dev && ((Number) i).longValue() == ino;
        } catch (Exception e) {
            // Cannot tell (no /proc?): believe the variable, as most services do.
            return true;
        }
    }

    /** For tests: route lines to {@code stream}, in the journald shape or not. */
    static void redirect(PrintStream stream, boolean journald) {
        out = stream;
        journal = journald;
    }

    /** The syslog priority journald files a line of this level under. */
    static int priority(Level l) {
        switch (l) {
            case ERROR:
                return 3;
            case WARN:
                return 4;
            case INFO:
                return 6;
            default:
                return 7;
        }
    }

    static String format(Level l, String logger, String message, boolean journald, LocalDateTime now) {
        return journald
                ? "<" + priority(l) + ">" + logger + ": " + message
                : TIME.format(now) + " " + l + (l.toString().length() == 4 ? "  " : " ") + logger + ": " + message;
    }

    static void write(Level l, String logger, String message, Throwable t) {
        boolean j = journal;
        StringBuilder sb = new StringBuilder(format(l, logger, message, j, LocalDateTime.now()));
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            String prefix = j ? "<" + priority(l) + ">" : "";
            for (String line : sw.toString().split("\n")) {
                sb.append('\n').append(prefix).append(line);
            }
        }
        PrintStream o = out;
        synchronized (o) {
            o.println(sb);
            o.flush();
        }
    }
}
