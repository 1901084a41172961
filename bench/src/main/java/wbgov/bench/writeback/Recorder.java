package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.Writer;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.discover.DeviceTable;
import wbgov.governor.sample.BdiSample;
import wbgov.governor.sample.BdiSampler;
import wbgov.governor.sample.DebugFs;
import wbgov.nbd.Export;

/**
 * Samples a scenario's devices and writers on its own thread at a fixed period (10 Hz by
 * default) into a {@link Recording}: per bdi, dirty, writeback, cumulative dirtied and
 * written and the kernel's threshold (debugfs, through the governor's own allocation-free
 * {@link BdiSampler}), and the allowance in force as the kernel keeps it ({@code max_bytes},
 * {@code strict_limit} in sysfs); per NBD export, what the backend really completed, the
 * in-flight limit and the emulated rate; per writer, bytes accepted.
 *
 * <p>Why its own reading and not the governor's status: the same numbers must be recorded
 * under all four configurations, three of which have no governor; and the thing measured must
 * not be the thing measuring. Sampling costs a few file reads per device per tick.
 */
public final class Recorder implements AutoCloseable {
    private static final Path SYS_BDI = Path.of("/sys/class/bdi");

    private final String scenario;
    private final String configuration;
    private final long periodNs;
    private final List<String> deviceNames = new ArrayList<>();
    private final List<String> bdis = new ArrayList<>();
    private final List<String> exportNames = new ArrayList<>();
    private final List<Export> exports = new ArrayList<>();
    private final List<WriterSlot> writers = new ArrayList<>();
    private Recording recording;
    private BdiSampler sampler;
    private BdiSample[] samples;
    private Thread thread;
    private volatile boolean running;
    private volatile long startNs;
    private volatile Throwable error;

    /** One named writer position; successive writers set into it add up (progress is cumulative). */
    public static final class WriterSlot {
        final String name;
        private volatile Writer current;
        private volatile long base;

        WriterSlot(String name) {
            this.name = name;
        }

        /** Makes {@code w} the slot's writer; the previous writer's bytes stay counted. */
        public synchronized void set(Writer w) {
            Writer old = current;
            if (old != null) {
                base += old.bytesWritten();
            }
            current = w;
        }

        public long progressBytes() {
            Writer w = current;
            return base + (w == null ? 0 : w.bytesWritten());
        }
    }

    public Recorder(String scenario, String configuration, long periodNs) {
        this.scenario = scenario;
        this.configuration = configuration;
        this.periodNs = periodNs;
    }

    /** Records a bdi under {@code name} (column prefix). */
    public Recorder device(String name, String bdi) {
        deviceNames.add(name);
        bdis.add(bdi);
        return this;
    }

    /** Records an NBD export's backend completions, in-flight limit and rate under {@code name}. */
    public Recorder export(String name, Export e) {
        exportNames.add(name);
        exports.add(e);
        return this;
    }

    /**
     * Records a slow NBD device: its loop bdi as {@code name}, its FUSE bdi as {@code name_fuse},
     * its export as {@code name}.
     */
    public Recorder nbd(String name, SlowNbdDevice d) {
        return device(name, d.loopBdi()).device(name + "_fuse", d.fuseBdi()).export(name, d.export());
    }

    public WriterSlot writer(String name) {
        WriterSlot s = new WriterSlot(name);
        writers.add(s);
        return s;
    }

    private List<String> columnNames() {
        List<String> c = new ArrayList<>();
        for (String d : deviceNames) {
            for (String f : new String[] {Recording.DIRTY, Recording.WRITEBACK, Recording.DIRTIED, Recording.WRITTEN,
                Recording.BDI_THRESH, Recording.MAX_BYTES, Recording.STRICT}) {
                c.add(d + "." + f);
            }
        }
        for (String e : exportNames) {
            c.add(e + "." + Recording.BACKEND_WRITTEN);
            c.add(e + "." + Recording.INFLIGHT_LIMIT);
            c.add(e + "." + Recording.BACKEND_RATE);
        }
        for (WriterSlot w : writers) {
            c.add(w.name + "." + Recording.PROGRESS);
        }
        return c;
    }

    /** Opens the sources and starts sampling; time 0 is now. */
    public Recording start() {
        recording = new Recording(scenario, configuration, columnNames());
        List<DeviceInfo> infos = new ArrayList<>();
        for (String b : bdis) {
            infos.add(new DeviceInfo(b, null, DeviceKind.OTHER, "unknown", false, false, "", "", "", List.of(), "", List.of()));
        }
        boolean debugfs = DebugFs.ensureMounted(DebugFs.DEFAULT_ROOT, true);
        sampler = new BdiSampler(new DeviceTable(dedupe(infos)), Path.of("/sys"), debugfs ? DebugFs.DEFAULT_ROOT : null);
        samples = sampler.newSamples();
        startNs = System.nanoTime();
        running = true;
        thread = new Thread(this::loop, "bench-recorder");
        thread.setDaemon(true);
        thread.start();
        return recording;
    }

    /** A device may be recorded under two names; the sampler wants each bdi once. */
    private static List<DeviceInfo> dedupe(List<DeviceInfo> in) {
        List<DeviceInfo> out = new ArrayList<>();
        for (DeviceInfo d : in) {
            boolean seen = false;
            for (DeviceInfo o : out) {
                seen |= o.bdi().equals(d.bdi());
            }
            if (!seen) {
                out.add(d);
            }
        }
        return out;
    }

    /** Seconds since {@link #start()}. */
    public double now() {
        return (System.nanoTime() - startNs) / 1e9;
    }

    /** Seconds since start of a {@link System#nanoTime()} value. */
    public double at(long nanoTime) {
        return nanoTime == 0 ? Double.NaN : (nanoTime - startNs) / 1e9;
    }

    /** Marks an event now. */
    public double event(String text) {
        double t = now();
        recording.event(t, text);
        return t;
    }

    private void loop() {
        double[] row = new double[recording.columns().size()];
        long next = System.nanoTime();
        try {
            while (running) {
                sampleInto(row);
                recording.add(now(), row);
                next += periodNs;
                long now = System.nanoTime();
                if (next - now < 0) {
                    next = now + periodNs;
                }
                LockSupport.parkNanos(next - now);
            }
            sampleInto(row);
            recording.add(now(), row);
        } catch (Throwable t) {
            error = t;
        }
    }

    private void sampleInto(double[] row) {
        long now = System.nanoTime();
        sampler.sampleAll(now, samples);
        int c = 0;
        DeviceTable table = sampler.table();
        for (int d = 0; d < deviceNames.size(); d++) {
            String bdi = bdis.get(d);
            BdiSample s = samples[table.indexOf(bdi)];
            row[c++] = v(s.dirtyBytes);
            row[c++] = v(s.writebackBytes);
            row[c++] = v(s.dirtiedBytes);
            row[c++] = v(s.writtenBytes);
            row[c++] = v(s.bdiThreshBytes);
            row[c++] = knob(bdi, "max_bytes");
            row[c++] = knob(bdi, "strict_limit");
        }
        for (Export e : exports) {
            row[c++] = e.stats().bytesWritten.get();
            row[c++] = e.inflightLimit().limitBytes();
            row[c++] = e.emulator().rateBytesPerSec();
        }
        for (WriterSlot w : writers) {
            row[c++] = w.progressBytes();
        }
    }

    private static double v(long x) {
        return x < 0 ? Double.NaN : x;
    }

    private static double knob(String bdi, String name) {
        try {
            return Long.parseLong(Files.readString(SYS_BDI.resolve(bdi).resolve(name)).trim());
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Stops sampling (one last sample is taken) and returns the recording. */
    public Recording stop() {
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        if (sampler != null) {
            sampler.close();
            sampler = null;
        }
        if (error != null) {
            throw new IllegalStateException("recorder failed: " + error, error);
        }
        return recording;
    }

    @Override
    public void close() {
        if (thread != null) {
            stop();
        }
    }
}
