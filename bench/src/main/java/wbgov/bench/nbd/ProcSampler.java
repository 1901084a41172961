package wbgov.bench.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import wbgov.nbd.MemoryLock;

/** What the bench reads from /proc: the machine's CPU time and load, and its server's memory. */
public final class ProcSampler {
    private ProcSampler() {
    }

    /** Jiffies of all CPUs since boot: in total, and idle (idle + iowait). */
    public record CpuTimes(long total, long idle) {
        /** From /proc/stat. */
        public static CpuTimes read() throws IOException {
            return parse(Files.readAllLines(Path.of("/proc/stat")).get(0));
        }

        /** From /proc/stat's first line, "cpu  user nice system idle iowait irq …". */
        public static CpuTimes parse(String cpuLine) {
            String[] f = cpuLine.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            return new CpuTimes(total, Long.parseLong(f[4]) + Long.parseLong(f[5]));
        }

        /** The fraction of CPU time busy between {@code before} and this reading. */
        public double busySince(CpuTimes before) {
            return 1.0 - (double) (idle - before.idle) / Math.max(1, total - before.total);
        }
    }

    /**
     * Our server's memory after the runs, in KiB: VmLck and VmRSS (/proc/PID/status), pinned
     * resident (smaps_rollup "Locked:") and the address space of its memory exports' mappings.
     */
    public record ServerMemory(long vmLckKb, long exportKb, long pinnedKb, long rssKb) {
        public static ServerMemory of(long pid) throws IOException {
            Path proc = Path.of("/proc", Long.toString(pid));
            String status = Files.readString(proc.resolve("status"));
            return new ServerMemory(kb(status, "VmLck:"),
                    MemoryLock.memoryExportMappedBytes(proc.resolve("maps")) >> 10,
                    kb(Files.readString(proc.resolve("smaps_rollup")), "Locked:"), kb(status, "VmRSS:"));
        }
    }

    /** The number after {@code key} ("VmRSS:", "Locked:") at the start of a line of {@code text}, in kB; -1 if none. */
    public static long kb(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    /** /proc/loadavg as it reads. */
    public static String loadavg() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    public static String hostName() {
        return readOr("/proc/sys/kernel/hostname", "host");
    }

    public static String kernelRelease() {
        return readOr("/proc/sys/kernel/osrelease", "?");
    }

    private static String readOr(String file, String dflt) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return dflt;
        }
    }
}
