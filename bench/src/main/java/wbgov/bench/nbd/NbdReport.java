package wbgov.bench.nbd;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import wbgov.nbd.units.Units;

/** nbd.md: the results table, the targets of issue 3, our server's memory, the machine's load, the notes. */
public final class NbdReport {
    private NbdReport() {
    }

    /** Where and when it ran: local time "yyyy-MM-dd HH:mm", host, CPUs, kernel, "Java …", fio's version. */
    public record Machine(String when, String host, int cpus, String kernel, String java, String fio) {
        public static Machine now(String fioVersion) {
            return new Machine(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
                    ProcSampler.hostName(), Runtime.getRuntime().availableProcessors(), ProcSampler.kernelRelease(),
                    "Java " + System.getProperty("java.version"), fioVersion);
        }
    }

    /** /proc/loadavg before and after, and the CPU busy fraction before the bench (others') and during it. */
    public record Load(String before, String after, double othersBusy, double busy) {
    }

    /** The report; {@code results} maps each {@link FioJob#id()} to each server's result by {@link ServerUnderTest} name. */
    public static String render(NbdOptions o, Machine m, Map<String, Map<String, FioResult>> results,
            ProcSampler.ServerMemory mem, Load load, List<String> notes) {
        StringBuilder sb = new StringBuilder();
        sb.append("# NBD servers compared: wbgov, nbdkit memory, nbd-server\n\n");
        sb.append(String.format("%s on %s (%d CPUs, kernel %s), %s; fio %s nbd engine over Unix sockets; exports of %s "
                + "in memory, each filled once first; %d s per job after %d s ramp%s; %d round(s) per job and server in "
                + "alternating order, the best kept (allocation: the worst).%n%n",
                m.when(), m.host(), m.cpus(), m.kernel(), m.java(), m.fio(), Units.formatBytes(o.sizeBytes()),
                o.runtimeSeconds(), o.rampSeconds(), o.quick() ? " (--quick)" : "", o.rounds()));
        sb.append("| job | wbgov IOPS | wbgov MB/s | nbdkit IOPS | nbdkit MB/s | nbd-server IOPS | nbd-server MB/s "
                + "| wbgov / nbdkit | wbgov / nbd-server | wbgov alloc B/request |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (FioJob j : FioJob.JOBS) {
            Map<String, FioResult> row = results.get(j.id());
            FioResult w = row.get(ServerUnderTest.OURS);
            FioResult k = row.get(ServerUnderTest.NBDKIT);
            FioResult n = row.get(ServerUnderTest.NBD_SERVER);
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2fx | %.2fx | %s |%n",
                    j.title(), w.iops(), w.bytesPerSec() / 1e6, k.iops(), k.bytesPerSec() / 1e6, n.iops(),
                    n.bytesPerSec() / 1e6, w.iops() / k.iops(), w.iops() / n.iops(),
                    Double.isNaN(w.allocBytesPerRequest()) ? "n/a" : String.format(Locale.ROOT, "%.3f", w.allocBytesPerRequest())));
        }
        sb.append("\nMB/s = 10^6 bytes/s. Ratios compare IOPS (equal to the ratio of MB/s).\n\n");
        sb.append("Targets (issue 3): at least 0.8x the best peer on 4k random I/O at depth 32, at least 1.0x on 1M "
                + "sequential write:\n\n");
        for (FioJob j : FioJob.JOBS) {
            if (j.target() == 0) {
                continue;
            }
            Map<String, FioResult> row = results.get(j.id());
            double best = Math.max(row.get(ServerUnderTest.NBDKIT).iops(), row.get(ServerUnderTest.NBD_SERVER).iops());
            double ratio = row.get(ServerUnderTest.OURS).iops() / best;
            sb.append(String.format(Locale.ROOT, "- %s: %.2fx the best peer (target %.1fx): %s%n", j.title(), ratio,
                    j.target(), ratio >= j.target() ? "met" : "**missed**"));
        }
        sb.append(String.format(Locale.ROOT, "%nOur server (`./wbgov serve --unix … memory:%s`, the launcher's fixed heap, "
                + "mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)) after the runs: VmLck %d MiB (address space under lock, "
                + "reservations included: %d MiB the process, %d MiB the memory export's mapping), pinned resident "
                + "(smaps Locked, the export's written pages included) %d MiB, VmRSS %d MiB. Allocation per request: "
                + "heap bytes allocated by the serving threads (\"nbd-…\", from the control socket's "
                + "serving_alloc_bytes) between two readings during each job, divided by the requests served between "
                + "them.%n%n", Units.formatBytes(o.sizeBytes()), mem.vmLckKb() >> 10, (mem.vmLckKb() - mem.exportKb()) >> 10,
                mem.exportKb() >> 10, mem.pinnedKb() >> 10, mem.rssKb() >> 10));
        sb.append(String.format(Locale.ROOT, "Machine load: loadavg before %s, after %s; CPUs %.0f %% busy with other "
                + "work in the 2 s before the bench started; %.0f %% busy during the bench (its own fio and servers "
                + "included).%n%n", load.before(), load.after(), 100 * load.othersBusy(), 100 * load.busy()));
        for (String note : notes) {
            sb.append("- ").append(note).append('\n');
        }
        sb.append("\nfio's JSON and the servers' logs: `fio-nbd/` beside this file.\n");
        return sb.toString();
    }
}
