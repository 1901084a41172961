package wbgov.cli;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A full-screen view redrawn in place, as top and watch do, with the basic ANSI a vt100 or the
 * Linux console understands: each frame moves the cursor home, overwrites every line and clears
 * what is left of it and of the screen (no clear before a frame: nothing flickers). The cursor is
 * hidden while it runs. Keys come from {@code /dev/tty} in a raw-ish mode ({@code stty -icanon
 * -echo}: one key at a time, not echoed; Ctrl-C still sends SIGINT). {@link #close} — also run
 * by a shutdown hook, for SIGTERM — puts the terminal back exactly as {@code stty -g} found it.
 */
final class TerminalScreen implements AutoCloseable {
    private static final String HOME = "\033[H";
    private static final String CLEAR_LINE = "\033[K";
    private static final String CLEAR_BELOW = "\033[J";
    private static final String HIDE_CURSOR = "\033[?25l";
    private static final String SHOW_CURSOR = "\033[?25h";

    private final PrintStream out;
    private final String saved;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::restore, "wbgov-terminal-restore");

    private TerminalScreen(PrintStream out, String saved) {
        this.out = out;
        this.saved = saved;
    }

    /** Whether stdin and stdout are a terminal that can move its cursor (not TERM=dumb). */
    static boolean available() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.isEmpty() && !term.equals("dumb");
    }

    /** Takes the terminal: saves its settings, one key at a time without echo, cursor hidden. */
    static TerminalScreen open(PrintStream out) throws IOException {
        String saved = stty("-g").trim();
        TerminalScreen s = new TerminalScreen(out, saved);
        Runtime.getRuntime().addShutdownHook(s.hook);
        stty("-icanon", "-echo", "min", "1", "time", "0");
        out.print(HIDE_CURSOR);
        out.flush();
        return s;
    }

    /** Rows and columns now (a window may be resized between frames); 24×80 when stty cannot say. */
    int[] size() {
        try {
            String[] rc = stty("size").trim().split("\\s+");
            int rows = Integer.parseInt(rc[0]);
            int cols = Integer.parseInt(rc[1]);
            if (rows > 0 && cols > 0) {
                return new int[] {rows, cols};
            }
        } catch (IOException | RuntimeException e) {
            // a terminal that does not know its size
        }
        return new int[] {24, 80};
    }

    /**
     * Draws {@code lines} over the last frame: each cut to the width, at most one line less than
     * the height (a full last line would scroll the frame), the rest of the screen cleared.
     */
    void draw(List<String> lines) {
        int[] size = size();
        int rows = size[0];
        int cols = size[1];
        StringBuilder b = new StringBuilder(HOME);
        int n = Math.min(lines.size(), rows - 1);
        for (int i = 0; i < n; i++) {
            String l = i == n - 1 && n < lines.size()
                    ? "(" + (lines.size() - n + 1) + " more lines: a taller window, or name the devices)" : lines.get(i);
            b.append(fit(l, cols)).append(CLEAR_LINE).append('\n');
        }
        b.append(CLEAR_BELOW);
        out.print(b);
        out.flush();
    }

    /** The terminal's own input (keys), whatever stdin is. */
    static InputStream keys() throws IOException {
        return new FileInputStream("/dev/tty");
    }

    /**
     * {@code line} cut to {@code cols} visible characters; ANSI attribute sequences (ESC [ … m)
     * take no column and are kept, with a reset after a cut one.
     */
    static String fit(String line, int cols) {
        StringBuilder b = new StringBuilder(line.length());
        int visible = 0;
        boolean attributes = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\033' && i + 1 < line.length() && line.charAt(i + 1) == '[') {
                int end = i + 2;
                while (end < line.length() && !Character.isLetter(line.charAt(end))) {
                    end++;
                }
                b.append(line, i, Math.min(end + 1, line.length()));
                attributes = true;
                i = end;
                continue;
            }
            if (visible == cols) {
                return attributes ? b.append("\033[0m").toString() : b.toString();
            }
            b.append(c);
            visible++;
        }
        return b.toString();
    }

    /** Cursor back, the terminal's settings as they were; once, whichever of close and the hook comes first. */
    private void restore() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        out.print(SHOW_CURSOR);
        out.flush();
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("wbgov status: could not restore the terminal (run 'stty sane'): " + e.getMessage());
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook has run restore (a no-op now)
        }
    }

    /** {@code stty ARGS} on /dev/tty; its output. */
    private static String stty(String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(concat("stty", args))
                .redirectInput(new java.io.File("/dev/tty")).redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("stty " + String.join(" ", args) + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for stty", e);
        }
        return outText;
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
