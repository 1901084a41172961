package wbgov.bench.nbd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import wbgov.bench.nbd.ProcSampler.CpuTimes;
import wbgov.linux.Executables;
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
 *
 * <p>Only wires: {@link NbdOptions} → {@link NbdServers} → {@link FioRunner} over {@link FioJob#JOBS}
 * → {@link ProcSampler} → {@link NbdReport}.
 */
public final class NbdBench {
    private NbdBench() {
    }

    public static int run(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("wbgov.home", "."));
        NbdOptions o;
        try {
            Optional<NbdOptions> parsed = NbdOptions.parse(args, home, ProcSampler.hostName());
            if (parsed.isEmpty()) {
                System.out.println(NbdOptions.USAGE);
                return 0;
            }
            o = parsed.get();
        } catch (IllegalArgumentException e) {
            System.err.println("wbgov bench nbd: " + e.getMessage());
            return 2;
        }
        for (String tool : new String[] {"fio", "nbdkit", "nbd-server"}) {
            if (Executables.which(tool) == null) {
                System.err.println("wbgov bench nbd: " + tool + " is not installed (apt-get install " + tool + ")");
                return 1;
            }
        }
        Path logs = o.out().resolve("fio-nbd");
        Files.createDirectories(logs);
        String loadBefore = ProcSampler.loadavg();
        // Others' load: CPU busy over 2 s before anything of ours runs.
        CpuTimes idle0 = CpuTimes.read();
        Thread.sleep(2000);
        double othersBusy = CpuTimes.read().busySince(idle0);
        CpuTimes cpuBefore = CpuTimes.read();
        try (NbdServers servers = new NbdServers(home.toAbsolutePath(), logs, o.sizeBytes())) {
            List<ServerUnderTest> started = servers.start();
            FioRunner fio = new FioRunner(o, logs, servers.work().resolve("fio.log"));
            for (ServerUnderTest s : started) {
                System.err.println("bench nbd: first touch of " + s.name + " (" + Units.formatBytes(o.sizeBytes())
                        + " sequential write) …");
                fio.prefill(s);
            }
            Map<String, Map<String, FioResult>> results = measure(fio, started, o.rounds());
            ProcSampler.ServerMemory memory = ProcSampler.ServerMemory.of(started.get(0).pid);
            List<String> notes = new ArrayList<>(servers.notes());
            notes.addAll(NbdServers.logNotes(logs.resolve("ours-server.log"), "IoFlusher"));
            NbdReport.Load load = new NbdReport.Load(loadBefore, ProcSampler.loadavg(), othersBusy,
                    CpuTimes.read().busySince(cpuBefore));
            String md = NbdReport.render(o, NbdReport.Machine.now(FioRunner.version()), results, memory, load, notes);
            Files.writeString(o.out().resolve("nbd.md"), md);
            System.out.print(md);
            System.err.println("bench nbd: written to " + o.out().resolve("nbd.md"));
            return 0;
        }
    }

    /**
     * Every job, {@code rounds} times on every server, in alternating server order, the best kept
     * ({@link FioResult#keep}): on a machine shared with other work, a burst of someone else's
     * load then hurts one run, not one server. Job id → server name → result.
     */
    private static Map<String, Map<String, FioResult>> measure(FioRunner fio, List<ServerUnderTest> servers, int rounds)
            throws Exception {
        Map<String, Map<String, FioResult>> results = new LinkedHashMap<>();
        for (FioJob j : FioJob.JOBS) {
            Map<String, FioResult> row = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                List<ServerUnderTest> order = new ArrayList<>(servers);
                if (round % 2 == 1) {
                    Collections.reverse(order);
                }
                for (ServerUnderTest s : order) {
                    System.err.println("bench nbd: " + j.title() + " on " + s.name + " (round " + (round + 1) + ") …");
                    row.put(s.name, FioResult.keep(row.get(s.name), fio.run(s, j, round)));
                }
            }
            results.put(j.id(), row);
        }
        return results;
    }
}
