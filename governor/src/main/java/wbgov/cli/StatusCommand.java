package wbgov.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import wbgov.governor.daemon.StatusRequest;
import wbgov.nbd.control.ControlClient;
import wbgov.nbd.units.Units;

/**
 * {@code wbgov status}: asks the running daemon's status socket for its table or JSON
 * ({@link StatusRequest}; the daemon renders it from one snapshot), once or, with
 * {@code --watch}, every interval: redrawn in place on a terminal ({@link TerminalScreen}), one
 * table (or one JSON line) per interval elsewhere. A daemon that goes away while watched is
 * said so and retried; only one never reached exits 3.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Per device: policy, controller state, dirtying and completion rate, what it holds, the "
            + "allowance in force (or the kernel's own), and the predicted drain time (time to safe eject) beside "
            + "the policy's drain target; rows over their target start with '!'.",
            "Exits 3 when the daemon is not running, 4 when its status socket may not be read (not in group wbgov)."})
public final class StatusCommand implements Callable<Integer> {
    /** Exit status when the socket is there but this user may not read it (LSB: status unknown). */
    static final int NO_PERMISSION = 4;
    private static final long MIN_WATCH_NS = 100_000_000L;

    @Option(names = "--json", description = "machine-readable: one JSON document per line (schema: README, \"status --json\")")
    boolean json;

    @Option(names = "--all", description = "also unattached loop devices (hidden: they can hold nothing)")
    boolean all;

    @Option(names = "--watch", arity = "0..1", fallbackValue = "2s", paramLabel = "INTERVAL",
            description = "again every INTERVAL (default 2s), redrawn in place on a terminal until q or Ctrl-C; "
                + "elsewhere one table (or JSON line) per interval")
    String watch;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "the daemon's --state-dir (default /run/wbgov)")
    Path stateDir;

    @Parameters(paramLabel = "DEVICE", arity = "0..*",
            description = "only these: a kernel name (loop0), /dev/loop0 (a partition counts as its disk), a bdi (7:0) or a mount point")
    List<String> devices = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        long intervalNs = 0;
        if (watch != null) {
            intervalNs = watchInterval();
        }
        Path sock = StateDir.statusSocket(StateDir.resolve(stateDir));
        boolean screen = watch != null && !json && TerminalScreen.available();
        StatusRequest.Style style = System.console() == null ? StatusRequest.Style.PLAIN
                : System.getenv("NO_COLOR") != null || String.valueOf(System.getenv("TERM")).startsWith("vt")
                        ? StatusRequest.Style.BOLD : StatusRequest.Style.COLOR;
        List<String> filters = devices.stream().map(StatusCommand::canonical).toList();
        StatusRequest request = new StatusRequest(json, all, style, filters);
        String first;
        try {
            first = ask(sock, request);
        } catch (Unreachable e) {
            System.err.println("wbgov status: " + e.getMessage());
            return e.exit;
        }
        if (watch == null) {
            System.out.print(first);
            return 0;
        }
        return screen ? watchOnScreen(sock, request, first, intervalNs) : watchAsStream(sock, request, first, intervalNs);
    }

    /**
     * The --watch interval; a word that is no duration was a DEVICE that picocli took as the
     * interval ({@code status --watch sdb}): a device then, at the default interval.
     */
    private long watchInterval() {
        long ns;
        try {
            ns = Units.parseDurationNs(watch);
        } catch (IllegalArgumentException e) {
            if (!watch.isEmpty() && !Character.isDigit(watch.charAt(0)) && watch.charAt(0) != '.') {
                devices.add(0, watch);
                return 2_000_000_000L;
            }
            throw new IllegalArgumentException("--watch: " + e.getMessage());
        }
        if (ns < MIN_WATCH_NS) {
            throw new IllegalArgumentException("--watch " + watch + ": at least 100ms (the daemon's tick)");
        }
        return ns;
    }

    /** Redraws in place until q or Ctrl-C; 0. */
    private int watchOnScreen(Path sock, StatusRequest request, String first, long intervalNs) throws IOException {
        CountDownLatch quit = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), sig -> quit.countDown());
        String every = "every " + Units.formatDurationNs(intervalNs) + ", q quits";
        try (TerminalScreen screen = TerminalScreen.open(System.out); InputStream keys = TerminalScreen.keys()) {
            Thread reader = new Thread(() -> {
                try {
                    int k;
                    while ((k = keys.read()) >= 0) {
                        if (k == 'q' || k == 'Q') {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // the terminal went away: stop as on q
                }
                quit.countDown();
            }, "wbgov-status-keys");
            reader.setDaemon(true);
            reader.start();
            String table = first;
            String away = null;
            do {
                List<String> lines = new ArrayList<>();
                lines.add(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + every);
                if (away != null) {
                    lines.add(away);
                }
                lines.addAll(table.lines().toList());
                screen.draw(lines);
                if (await(quit, intervalNs)) {
                    break;
                }
                try {
                    table = ask(sock, request);
                    away = null;
                } catch (Unreachable e) {
                    if (away == null) {
                        away = "!! " + e.getMessage() + ", since " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS)
                                + ": retrying; the table below is the last one it gave";
                    }
                }
            } while (true);
        }
        return 0;
    }

    /** One table (or JSON line) per interval on stdout until killed or stdout closes; a daemon gone said on stderr. */
    private static int watchAsStream(Path sock, StatusRequest request, String first, long intervalNs)
            throws InterruptedException {
        PrintStream out = System.out;
        String answer = first;
        boolean away = false;
        while (true) {
            if (answer != null) {
                out.print(answer);
                if (!request.json()) {
                    out.println();
                }
                out.flush();
                if (out.checkError()) {
                    return 0; // the reader went away (| head): done
                }
            }
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(intervalNs));
            try {
                answer = ask(sock, request);
                if (away) {
                    System.err.println("wbgov status: the daemon answers again");
                    away = false;
                }
            } catch (Unreachable e) {
                answer = null;
                if (!away) {
                    System.err.println("wbgov status: " + e.getMessage() + ": retrying every "
                            + Units.formatDurationNs(intervalNs));
                    away = true;
                }
            }
        }
    }

    private static boolean await(CountDownLatch quit, long ns) {
        try {
            return quit.await(ns, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** The daemon cannot be asked: not running (3) or not ours to read (4). */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;
        final int exit;

        Unreachable(String message, int exit) {
            super(message);
            this.exit = exit;
        }
    }

    /** The daemon's answer to {@code request}; Unreachable when no daemon answers, or not to us. */
    static String ask(Path sock, StatusRequest request) throws Unreachable {
        Path dir = sock.getParent();
        if (!Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
            if (dir != null && Files.isDirectory(dir) && !Files.isExecutable(dir)) {
                throw new Unreachable("permission denied: " + dir + " may not be entered by this user", NO_PERMISSION);
            }
            throw new Unreachable("wbgov run is not running (no status socket at " + sock + ")", Main.NOT_RUNNING);
        }
        if (!Files.isWritable(sock)) { // connecting to a Unix socket needs write permission on it
            throw new Unreachable(permissionDenied(sock), NO_PERMISSION);
        }
        String answer;
        try {
            answer = ControlClient.send(sock, request.line());
        } catch (IOException e) {
            throw new Unreachable("wbgov run is not running (" + sock + " does not answer: a stale socket)",
                    Main.NOT_RUNNING);
        }
        if (answer.isEmpty()) {
            throw new Unreachable("wbgov run is not running (" + sock + " closed without an answer)", Main.NOT_RUNNING);
        }
        return answer;
    }

    /** What to do about a socket this user may not reach: join its group, or why there is none. */
    static String permissionDenied(Path sock) {
        String group = null;
        try {
            PosixFileAttributes a = Files.readAttributes(sock, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.permissions().contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)) {
                group = a.group().getName();
            }
        } catch (IOException e) {
            // said without the group's name
        }
        if (group != null) {
            return "permission denied on " + sock + ": add yourself to group " + group + " (adduser $USER " + group
                    + ", then log in again)";
        }
        return "permission denied on " + sock + ": only root may read it (the daemon found no group wbgov when it "
                + "started: addgroup --system wbgov, restart it, then adduser $USER wbgov)";
    }

    /**
     * A DEVICE argument as the daemon names things: a path is resolved (a /dev/disk/by-… link to
     * its node, a partition to its disk, whose bdi it shares; a mount point to its real path).
     */
    static String canonical(String arg) {
        if (!arg.startsWith("/")) {
            return arg;
        }
        Path real;
        try {
            real = Path.of(arg).toRealPath();
        } catch (IOException | RuntimeException e) {
            return arg;
        }
        if (!real.startsWith("/dev/") || real.getNameCount() != 2) {
            return real.toString();
        }
        String name = real.getFileName().toString();
        Path block = Path.of("/sys/class/block", name);
        if (Files.exists(block.resolve("partition"))) {
            try {
                return block.toRealPath().getParent().getFileName().toString();
            } catch (IOException e) {
                return name;
            }
        }
        return name;
    }
}
