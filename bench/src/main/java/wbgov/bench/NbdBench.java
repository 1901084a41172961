package wbgov.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import wbgov.linux.Executables;
import wbgov.nbd.control.ControlClient;
import wbgov.nbd.units.Units;

/**
 * {@code ./wbgov bench nbd [--quick] [--out DIR] [--size SIZE] [--rounds N]}: our server against {@code nbdkit
 * memory} and Debian's {@code nbd-server} (export file on /dev/shm), all three on Unix sockets
 * at once, driven in turn by fio's nbd engine: 4k random write and read at depth 32, 4k random
 * write at depth 1, 1M sequential write at depth 8. Each export is filled once first (first
 * touch). Our server runs as users run it, {@code ./wbgov serve} in its own JVM with the
 * launcher's fixed heap and mlockall; its allocation per request comes from its control
 * socket's {@code serving_alloc_bytes}, its locked size from /proc. Prints a Markdown table
 * and writes it to {@code DIR/nbd.md} (default {@code bench/results/DATE-HOST/}), with fio's
 * JSON beside it. Every process is stopped by its PID.
 */
public final class NbdBench {
    /** One fio job of the comparison. */
    record Job(String id, String title, String rw, String bs, int depth, boolean read) {
    }

    static final List<Job> JOBS = List.of(
            new Job("randwrite-4k-d32", "4k random write, depth 32", "randwrite", "4k", 32, false),
            new Job("randread-4k-d32", "4k random read, depth 32", "randread", "4k", 32, true),
            new Job("randwrite-4k-d1", "4k random write, depth 1", "randwrite", "4k", 1, false),
            new Job("write-1m-d8", "1M sequential write, depth 8", "write", "1M", 8, false));

    /** A result: IOPS and bytes/s from fio, and for ours the allocation per request. */
    record Result(double iops, double bytesPerSec, double allocBytesPerRequest) {
    }

    /** A running server under test. */
    static final class Server {
        final String name;
        final String uri;
        final long pid;
        final Process process; // null for nbd-server (it daemonizes; we hold its pid file's PID)
        final Path control;
        Path cleanup; // a file to remove at the end

        Server(String name, String uri, long pid, Process process, Path control) {
            this.name = name;
            this.uri = uri;
            this.pid = pid;
            this.process = process;
            this.control = control;
        }
    }

    private final boolean quick;
    private final int rounds;
    private final Path out;
    private final long sizeBytes;
    private final Path work;
    private final Path home;
    private final List<Server> servers = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private NbdBench(boolean quick, int rounds, Path out, long sizeBytes) throws IOException {
        this.quick = quick;
        this.rounds = rounds;
        this.out = out;
        this.sizeBytes = sizeBytes;
        this.home = Path.of(System.getProperty("wbgov.home", ".")).toAbsolutePath();
        this.work = Files.createTempDirectory("wbgov-bench-nbd");
    }

    public static int run(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        long sizeBytes = 1L << 30;
        int rounds = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick": quick = true; break;
                case "--out": out = Path.of(args[++i]); break;
                case "--size": sizeBytes = Units.parseBytes("--size", args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                case "-h": case "--help":
                    System.out.println("usage: wbgov bench nbd [--quick] [--out DIR] [--size SIZE] [--rounds N]\n"
                            + "  --quick      3 s per job instead of 10 s\n"
                            + "  --out DIR    where nbd.md and fio's JSON go (default bench/results/DATE-HOST/)\n"
                            + "  --size SIZE  export size: bytes, or K/M/G/T (powers of 1024; default 1G)\n"
                            + "  --rounds N   runs of each job per server, alternating order, best kept (default 2; 1 with --quick)");
                    return 0;
                default:
                    System.err.println("wbgov bench nbd: unknown option " + args[i] + " (see --help)");
                    return 2;
            }
        }
        for (String tool : new String[] {"fio", "nbdkit", "nbd-server"}) {
            if (Executables.which(tool) == null) {
                System.err.println("wbgov bench nbd: " + tool + " is not installed (apt-get install " + tool + ")");
                return 1;
            }
        }
        if (out == null) {
            out = Path.of(System.getProperty("wbgov.home", "."), "bench", "results",
                    LocalDate.now() + "-" + hostName());
        }
        if (rounds < 0) {
            rounds = quick ? 1 : 2;
        }
        if (rounds < 1) {
            System.err.println("wbgov bench nbd: --rounds must be at least 1");
            return 2;
        }
        NbdBench b = new NbdBench(quick, rounds, out, sizeBytes);
        // Ctrl-C runs shutdown hooks, not finally blocks: stop the servers there too.
        Thread hook = new Thread(b::stopAll, "bench-nbd-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return b.runAll();
        } finally {
            b.stopAll();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private int runAll() throws Exception {
        Files.createDirectories(out.resolve("fio-nbd"));
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        // Others' load: CPU busy over 2 s before anything of ours runs.
        long[] idle0 = cpuTimes();
        Thread.sleep(2000);
        long[] idle1 = cpuTimes();
        double othersBusy = 1.0 - (double) (idle1[1] - idle0[1]) / Math.max(1, idle1[0] - idle0[0]);
        long[] cpuBefore = cpuTimes();
        servers.add(startOurs());
        servers.add(startNbdkit());
        servers.add(startNbdServer());
        for (Server s : servers) {
            System.err.println("bench nbd: first touch of " + s.name + " (" + Units.formatBytes(sizeBytes) + " sequential write) …");
            runFio(s, "prefill", "write", "1M", 8, false, false);
        }
        Map<String, Map<String, Result>> results = new LinkedHashMap<>();
        // Rounds in alternating server order, best IOPS kept: on a machine shared with other
        // work, a burst of someone else's load then hurts one run, not one server.
        for (Job j : JOBS) {
            Map<String, Result> row = new LinkedHashMap<>();
            for (Server s : servers) {
                row.put(s.name, null);
            }
            for (int round = 0; round < rounds; round++) {
                List<Server> order = new ArrayList<>(servers);
                if (round % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (Server s : order) {
                    System.err.println("bench nbd: " + j.title() + " on " + s.name + " (round " + (round + 1) + ") …");
                    Result r = runJob(s, j, round);
                    Result best = row.get(s.name);
                    double alloc = best == null ? r.allocBytesPerRequest()
                            : Math.max(nanToMinus(best.allocBytesPerRequest()), nanToMinus(r.allocBytesPerRequest()));
                    if (best == null || r.iops() > best.iops()) {
                        best = r;
                    }
                    row.put(s.name, new Result(best.iops(), best.bytesPerSec(), alloc < 0 ? Double.NaN : alloc));
                }
            }
            results.put(j.id(), row);
        }
        Server ours = servers.get(0);
        String status = Files.readString(Path.of("/proc/" + ours.pid + "/status"));
        long vmLck = statusKb(status, "VmLck:");
        long vmRss = statusKb(status, "VmRSS:");
        long pinned = statusKb(Files.readString(Path.of("/proc/" + ours.pid + "/smaps_rollup")), "Locked:");
        long exportKb = wbgov.nbd.MemoryLock.memoryExportMappedBytes(Path.of("/proc/" + ours.pid + "/maps")) >> 10;
        for (String line : Files.readAllLines(out.resolve("fio-nbd").resolve("ours-server.log"))) {
            if (line.contains("IoFlusher")) {
                notes.add(line.replaceFirst("^\\S+ \\[[^]]*\\] ", ""));
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        long[] cpuAfter = cpuTimes();
        double busy = 1.0 - (double) (cpuAfter[1] - cpuBefore[1]) / Math.max(1, cpuAfter[0] - cpuBefore[0]);
        String md = markdown(results, vmLck, exportKb, pinned, vmRss, loadBefore, loadAfter, othersBusy, busy);
        Files.writeString(out.resolve("nbd.md"), md);
        System.out.print(md);
        System.err.println("bench nbd: written to " + out.resolve("nbd.md"));
        return 0;
    }

    // ---- servers ----------------------------------------------------------------------------

    private Server startOurs() throws Exception {
        Path sock = work.resolve("ours.sock");
        Path ctl = work.resolve("ours.ctl");
        Path log = out.resolve("fio-nbd").resolve("ours-server.log");
        Process p = new ProcessBuilder(home.resolve("wbgov").toString(), "serve", "--unix", sock.toString(),
                "--control", ctl.toString(), "memory:" + sizeBytes)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        waitFor(() -> Files.readString(log).contains("memory locked") || Files.readString(log).contains("memory stays"),
                p, "our server (log " + log + ")");
        for (String line : Files.readAllLines(log)) {
            if (line.contains("MemoryLock")) {
                notes.add(line.replaceFirst("^\\S+ \\[[^]]*\\] ", ""));
            }
        }
        return new Server("wbgov", "nbd+unix:///?socket=" + sock, p.pid(), p, ctl);
    }

    private Server startNbdkit() throws Exception {
        Path sock = work.resolve("nbdkit.sock");
        Process p = new ProcessBuilder(Executables.which("nbdkit").toString(), "-f", "-U", sock.toString(), "memory",
                Long.toString(sizeBytes))
                .redirectErrorStream(true).redirectOutput(out.resolve("fio-nbd").resolve("nbdkit.log").toFile()).start();
        waitFor(() -> Files.exists(sock), p, "nbdkit");
        return new Server("nbdkit memory", "nbd+unix:///?socket=" + sock, p.pid(), p, null);
    }

    private Server startNbdServer() throws Exception {
        Path sock = work.resolve("nbd-server.sock");
        Path img = Files.createTempFile(Path.of("/dev/shm"), "wbgov-bench-nbd", ".img");
        try (var raf = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            raf.setLength(sizeBytes);
        }
        Path conf = work.resolve("nbd-server.conf");
        Path pidFile = work.resolve("nbd-server.pid");
        // nbd-server also listens on TCP (port 0 makes it exit): a free loopback port, never 10809.
        Files.writeString(conf, "[generic]\n    unixsock = " + sock + "\n    listenaddr = 127.0.0.1\n    port = "
                + freePort() + "\n[bench]\n    exportname = " + img + "\n    flush = true\n    fua = true\n    trim = true\n");
        Process d = new ProcessBuilder(Executables.which("nbd-server").toString(), "-C", conf.toString(), "-p", pidFile.toString())
                .redirectErrorStream(true).redirectOutput(out.resolve("fio-nbd").resolve("nbd-server.log").toFile()).start();
        if (!d.waitFor(30, TimeUnit.SECONDS) || d.exitValue() != 0) {
            d.destroyForcibly();
            throw new IOException("nbd-server did not start; see " + out.resolve("fio-nbd").resolve("nbd-server.log"));
        }
        waitFor(() -> Files.exists(pidFile) && Files.exists(sock), null, "nbd-server");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        notes.add("nbd-server export file: " + img + " (tmpfs), removed at the end");
        Server s = new Server("nbd-server", "nbd+unix:///bench?socket=" + sock, pid, null, null);
        s.cleanup = img;
        return s;
    }

    private synchronized void stopAll() {
        List<Server> running = new ArrayList<>(servers);
        servers.clear();
        for (Server s : running) {
            ProcessHandle.of(s.pid).ifPresent(h -> {
                h.destroy(); // SIGTERM: ours shuts down cleanly
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
            if (s.process != null) {
                try {
                    s.process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (s.cleanup != null) {
                try {
                    Files.deleteIfExists(s.cleanup);
                } catch (IOException e) {
                    System.err.println("bench nbd: could not remove " + s.cleanup);
                }
            }
        }
        try (var st = Files.list(work)) {
            for (Path p : (Iterable<Path>) st::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(work);
        } catch (IOException e) {
            // temporary directory left behind
        }
    }

    // ---- fio --------------------------------------------------------------------------------

    private static double nanToMinus(double v) {
        return Double.isNaN(v) ? -1 : v;
    }

    private Result runJob(Server s, Job j, int round) throws Exception {
        String id = j.id() + "-r" + (round + 1);
        if (s.control == null) {
            return runFio(s, id, j.rw(), j.bs(), j.depth(), j.read(), true);
        }
        // Ours: read the serving threads' allocation and the requests served around the middle of the run.
        long[] first = new long[2];
        long[] second = new long[2];
        Thread probe = new Thread(() -> {
            try {
                Thread.sleep(rampSeconds() * 1000L + 500); // fio starts counting after its ramp
                readAlloc(s, first);
                Thread.sleep((runtimeSeconds() - 1) * 1000L);
                readAlloc(s, second);
            } catch (Exception e) {
                first[0] = -1;
            }
        }, "bench-alloc-probe");
        probe.start();
        Result r = runFio(s, id, j.rw(), j.bs(), j.depth(), j.read(), true);
        probe.join();
        double perRequest = first[0] < 0 || second[1] <= first[1] ? Double.NaN
                : (double) (second[0] - first[0]) / (second[1] - first[1]);
        return new Result(r.iops(), r.bytesPerSec(), perRequest);
    }

    private static void readAlloc(Server s, long[] into) throws IOException {
        String stats = ControlClient.send(s.control, "get stats");
        into[0] = field(stats, "serving_alloc_bytes");
        into[1] = field(stats, "requests");
    }

    private int runtimeSeconds() {
        return quick ? 3 : 10;
    }

    private int rampSeconds() {
        return quick ? 1 : 2;
    }

    private Result runFio(Server s, String id, String rw, String bs, int depth, boolean read, boolean timed)
            throws Exception {
        Path json = out.resolve("fio-nbd").resolve(id + "-" + s.name.replace(' ', '-') + ".json");
        List<String> cmd = new ArrayList<>(List.of(Executables.which("fio").toString(), "--name=" + id, "--ioengine=nbd",
                "--uri=" + s.uri, "--rw=" + rw, "--bs=" + bs, "--iodepth=" + depth, "--size=" + sizeBytes,
                "--output-format=json", "--output=" + json));
        if (timed) {
            cmd.addAll(List.of("--time_based", "--runtime=" + runtimeSeconds(), "--ramp_time=" + rampSeconds()));
        }
        Path log = work.resolve("fio.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(runtimeSeconds() + rampSeconds() + 120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("fio timed out on " + s.name + " (" + id + ")");
        }
        if (p.exitValue() != 0) {
            throw new IOException("fio failed on " + s.name + " (" + id + "), exit " + p.exitValue() + ":\n"
                    + Files.readString(log) + (Files.exists(json) ? Files.readString(json) : ""));
        }
        String text = Files.readString(json);
        int at = text.indexOf(read ? "\"read\" :" : "\"write\" :");
        if (at < 0) {
            throw new IOException("no " + (read ? "read" : "write") + " section in " + json);
        }
        String section = text.substring(at);
        return new Result(number(section, "iops"), number(section, "bw_bytes"), Double.NaN);
    }

    private static double number(String json, String key) throws IOException {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        if (!m.find()) {
            throw new IOException("fio JSON has no " + key);
        }
        return Double.parseDouble(m.group(1));
    }

    // ---- report -----------------------------------------------------------------------------

    private String markdown(Map<String, Map<String, Result>> results, long vmLckKb, long exportKb, long pinnedKb, long rssKb,
            String loadBefore, String loadAfter, double othersBusy, double busy) throws Exception {
        StringBuilder sb = new StringBuilder();
        String when = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        sb.append("# NBD servers compared: wbgov, nbdkit memory, nbd-server\n\n");
        sb.append(String.format("%s on %s (%d CPUs, kernel %s), %s; fio %s nbd engine over Unix sockets; exports of %s "
                + "in memory, each filled once first; %d s per job after %d s ramp%s; %d round(s) per job and server in "
                + "alternating order, the best kept (allocation: the worst).%n%n",
                when, hostName(), Runtime.getRuntime().availableProcessors(), uname(), java(), fioVersion(), Units.formatBytes(sizeBytes),
                runtimeSeconds(), rampSeconds(), quick ? " (--quick)" : "", rounds));
        sb.append("| job | wbgov IOPS | wbgov MB/s | nbdkit IOPS | nbdkit MB/s | nbd-server IOPS | nbd-server MB/s "
                + "| wbgov / nbdkit | wbgov / nbd-server | wbgov alloc B/request |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Job j : JOBS) {
            Map<String, Result> row = results.get(j.id());
            Result o = row.get("wbgov");
            Result k = row.get("nbdkit memory");
            Result n = row.get("nbd-server");
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2fx | %.2fx | %s |%n",
                    j.title(), o.iops(), o.bytesPerSec() / 1e6, k.iops(), k.bytesPerSec() / 1e6, n.iops(),
                    n.bytesPerSec() / 1e6, o.iops() / k.iops(), o.iops() / n.iops(),
                    Double.isNaN(o.allocBytesPerRequest()) ? "n/a" : String.format(Locale.ROOT, "%.3f", o.allocBytesPerRequest())));
        }
        sb.append("\nMB/s = 10^6 bytes/s. Ratios compare IOPS (equal to the ratio of MB/s).\n\n");
        sb.append("Targets (issue 3): at least 0.8x the best peer on 4k random I/O at depth 32, at least 1.0x on 1M "
                + "sequential write:\n\n");
        for (Job j : JOBS) {
            double target = j.id().startsWith("write-1m") ? 1.0 : j.id().endsWith("-d32") ? 0.8 : 0;
            if (target == 0) {
                continue;
            }
            Map<String, Result> row = results.get(j.id());
            double best = Math.max(row.get("nbdkit memory").iops(), row.get("nbd-server").iops());
            double ratio = row.get("wbgov").iops() / best;
            sb.append(String.format(Locale.ROOT, "- %s: %.2fx the best peer (target %.1fx): %s%n", j.title(), ratio,
                    target, ratio >= target ? "met" : "**missed**"));
        }
        sb.append(String.format(Locale.ROOT, "%nOur server (`./wbgov serve --unix … memory:%s`, the launcher's fixed heap, "
                + "mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)) after the runs: VmLck %d MiB (address space under lock, "
                + "reservations included: %d MiB the process, %d MiB the memory export's mapping), pinned resident "
                + "(smaps Locked, the export's written pages included) %d MiB, VmRSS %d MiB. Allocation per request: "
                + "heap bytes allocated by the serving threads (\"nbd-…\", from the control socket's "
                + "serving_alloc_bytes) between two readings during each job, divided by the requests served between "
                + "them.%n%n", Units.formatBytes(sizeBytes), vmLckKb >> 10, (vmLckKb - exportKb) >> 10, exportKb >> 10, pinnedKb >> 10,
                rssKb >> 10));
        sb.append(String.format(Locale.ROOT, "Machine load: loadavg before %s, after %s; CPUs %.0f %% busy with other "
                + "work in the 2 s before the bench started; %.0f %% busy during the bench (its own fio and servers "
                + "included).%n%n", loadBefore, loadAfter, 100 * othersBusy, 100 * busy));
        for (String note : notes) {
            sb.append("- ").append(note).append('\n');
        }
        sb.append("\nfio's JSON and the servers' logs: `fio-nbd/` beside this file.\n");
        return sb.toString();
    }

    // ---- small helpers ------------------------------------------------------------------------

    interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check c, Process p, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!c.ok()) {
            if (p != null && !p.isAlive()) {
                throw new IOException(what + " exited with status " + p.exitValue() + " before it was ready");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(what + " not ready after 60 s");
            }
            Thread.sleep(50);
        }
    }

    static long field(String stats, String key) throws IOException {
        Matcher m = Pattern.compile("(?:^| )" + key + "=(\\d+)").matcher(stats);
        if (!m.find()) {
            throw new IOException("stats have no " + key + ": " + stats);
        }
        return Long.parseLong(m.group(1));
    }

    private static long statusKb(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    /** [total jiffies, idle + iowait jiffies] of all CPUs. */
    private static long[] cpuTimes() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "host";
        }
    }

    private static String uname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String java() {
        return "Java " + System.getProperty("java.version");
    }

    private static String fioVersion() {
        try {
            Process p = new ProcessBuilder(Executables.which("fio").toString(), "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return v.replaceFirst("^fio-", "");
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }
}
