package wbgov.governor.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.governor.actuate.ApplyResult;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.actuate.KnobState;
import wbgov.governor.actuate.KnobTarget;
import wbgov.governor.control.Decision;
import wbgov.governor.control.DeviceLaw;
import wbgov.governor.control.DrainTimeController;
import wbgov.governor.discover.ChangeDetector;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.discover.DeviceTable;
import wbgov.governor.discover.DeviceWatcher;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.memory.DeviceIdentity;
import wbgov.governor.memory.DeviceMemory;
import wbgov.governor.policy.PolicyMatch;
import wbgov.governor.policy.PolicySet;
import wbgov.nbd.units.Units;
import wbgov.governor.sample.BdiSample;
import wbgov.governor.sample.BdiSampler;
import wbgov.governor.sample.DebugFs;
import wbgov.governor.sample.KnobSampler;
import wbgov.governor.sample.Sources;
import wbgov.governor.sample.SystemSample;
import wbgov.governor.sample.SystemSampler;
import wbgov.nbd.Export;

/**
 * The governor's duty cycle, one tick per interval on one thread:
 *
 * <pre>
 *   discover (every few s) → sample → estimate → decide → actuate
 *                                                    ↓
 *                                          journal (before any first write)
 * </pre>
 *
 * {@link #doWork(long)} is the agent (Agrona style): the caller passes the clock in and decides
 * how to wait. Steady state allocates nothing but the log line of a knob change: states,
 * samples and decisions are preallocated per device, loops are indexed.
 *
 * <p>Only this class wires the pieces: sampling ({@link BdiSampler}, {@link SystemSampler}), one
 * {@link DeviceLaw} per device (one {@link Decision} holds the allowance and the knobs it becomes,
 * with every input), the one knob writer ({@link BdiKnobs}, which journals before its first
 * write), what was learned in earlier runs ({@link DeviceMemory}, keyed by {@link
 * DeviceIdentity}) and the bundled server's exports ({@link ServedExport}, Little's law). The
 * loop around it is {@link DutyCycle}; what status shows, {@link StatusView}; the kernel's files
 * are under {@link Roots}, so {@code GovernorPlantTest} drives all of it over a fake kernel.
 *
 * <p>Status, metrics and drain read the published (volatile) fields from their own threads, as of
 * one whole tick: each tick holds a {@link StampedLock} for writing, readers validate an
 * optimistic read and retry ({@link SnapshotReader#consistent}); the tick never waits for them.
 *
 * <p>Why ~560 lines in one file: the tick, the rescan, the drift check and the remembering share
 * the per-device arrays (states, samples, open files) that must be swapped together at a rescan
 * without a lock and without allocating per tick; split across classes they would have to be
 * passed or shared mutable. Every decision in here is a call to a pure law.
 */
public final class Governor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Governor.class);

    private final Config config;
    private volatile PolicySet policies;
    private final DeviceWatcher watcher;
    private final SystemSampler system;
    private final SystemSample sys = new SystemSample();
    private final BdiKnobs knobs;
    private final List<ServedExport> served = new ArrayList<>();

    /** How long ticks take (status, metrics); written by the duty cycle only. */
    private final TickDurations tickDurations = new TickDurations();
    private final java.util.concurrent.atomic.AtomicLong reloadsOk = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong reloadsFailed = new java.util.concurrent.atomic.AtomicLong();
    private volatile long failedTicks;
    private volatile long startedEpochMillis;
    private volatile long startedNs;
    /** The system sample's fields readers show, copied each tick (sys itself is overwritten in place). */
    private volatile long pubDirty = -1;
    private volatile long pubWriteback = -1;
    private volatile long pubBackground = -1;
    private volatile long pubIoSome = -1;
    private volatile long pubIoFull = -1;
    private volatile long pubMemSome = -1;
    private volatile long pubMemFull = -1;
    private volatile long pubIoSomeUs = -1;
    private volatile long pubIoFullUs = -1;
    private volatile long pubMemSomeUs = -1;
    private volatile long pubMemFullUs = -1;

    /** A quiet device is read every this many ticks (1 s at the default 100 ms interval). */
    static final int QUIET_EVERY_TICKS = 10;

    private final Roots roots;
    private final ChangeDetector tableChanges;
    private boolean anyBusy = true;
    /** Global nr_dirtied (bytes) at the last tick: a quiet device can only start writing when it moves. */
    private long lastDirtiedBytes = -1;
    private BdiSampler sampler;
    /** Reads the kept knobs of governed devices for the drift check, without allocating. */
    private KnobSampler knobSampler;
    private final long[] keptKnobs = new long[3];
    private BdiSample[] samples = new BdiSample[0];
    private volatile DeviceState[] states = new DeviceState[0];
    private long nextRescanNs;
    private boolean debugfs;
    private volatile long ticks;
    /** Held for writing by each tick; snapshots read optimistically and retry across a tick. */
    private final StampedLock published = new StampedLock();
    private volatile long lastTickNs;
    private volatile long globalThreshBytes = -1;
    private volatile boolean policiesChanged;
    /** What was learned about devices in earlier runs; null: nothing remembered nor kept. */
    private DeviceMemory memory;
    private long nextRememberNs;
    private boolean memoryWarned;

    /** How often the learned rates are handed to {@link DeviceMemory} (it writes only on change). */
    static final long REMEMBER_EVERY_NS = 30_000_000_000L;

    /**
     * Where the kernel's files are: {@code /sys}, {@code /proc} and debugfs on a real system; a
     * fake tree that a plant model rewrites every tick in the daemon's tests, so that every knob
     * decision of the whole duty cycle is tested without root (GovernorPlantTest).
     */
    public record Roots(Path sys, Path proc, Path debugfs) {
        public static final Roots SYSTEM = new Roots(Path.of("/sys"), Path.of("/proc"), DebugFs.DEFAULT_ROOT);

        /** udev's database beside sysfs: /run/udev/data for /sys (device serials, {@link DeviceIdentity}). */
        public Path udevData() {
            return sys.toAbsolutePath().resolveSibling("run/udev/data");
        }
    }

    /**
     * Settings of one governor.
     *
     * @param rescanIntervalNs the backstop rescan of devices (changes to /proc/partitions and
     *     mountinfo trigger one within a second anyway)
     * @param driftCheckNs how often the kept knobs are compared with what was asked
     * @param dryRun compute and log, write nothing
     * @param allowMountDebugfs mount debugfs where it is missing (root)
     */
    public record Config(long rescanIntervalNs, long driftCheckNs, boolean dryRun, boolean allowMountDebugfs) {
    }

    /**
     * @param knobs the knob writer, or null for a dry run (nothing is written nor journaled)
     */
    public Governor(Config config, PolicySet policies, DeviceScanner scanner, BdiKnobs knobs) {
        this(config, policies, scanner, knobs, Roots.SYSTEM);
    }

    /**
     * A governor reading the kernel's files under {@code roots}; {@code scanner} and {@code knobs}
     * must use the same roots.
     */
    public Governor(Config config, PolicySet policies, DeviceScanner scanner, BdiKnobs knobs, Roots roots) {
        this.config = config;
        this.policies = policies;
        this.roots = roots;
        this.watcher = new DeviceWatcher(scanner);
        this.system = new SystemSampler(roots.proc(), SystemSampler.pageSize(roots.proc()));
        this.tableChanges = new ChangeDetector(roots.proc());
        this.knobs = config.dryRun() ? null : knobs;
    }

    /** The knob writer in use; null in a dry run. */
    public BdiKnobs knobs() {
        return knobs;
    }

    /**
     * Lets this governor set an export's in-flight limit by Little's law ({@link ServedExport}),
     * with the latency target of the policy that governs NBD devices.
     */
    public void govern(Export export) {
        served.add(ServedExport.of(export, policies));
    }

    /**
     * Lets this governor start devices it met before at what it learned then, and keep what it
     * learns now (call before {@link #start}). Without it every device starts at its policy's
     * {@code initial}.
     */
    public void remember(DeviceMemory m) {
        this.memory = m;
    }

    /** Discovers devices and puts every governed one at its policy's initial allowance. */
    public void start(long nowNs) throws IOException {
        startedEpochMillis = System.currentTimeMillis();
        startedNs = nowNs;
        debugfs = DebugFs.ensureMounted(roots.debugfs(), config.allowMountDebugfs() && knobs != null);
        if (!debugfs) {
            LOG.warn("debugfs is not available ({}): per-device dirty and dirtied counts are inferred from "
                    + "/sys/block/*/stat and /proc/vmstat; wbgov status says which sources each device uses",
                    DebugFs.lastError());
        }
        system.sample(nowNs, sys); // the global threshold caps the first knob writes
        globalThreshBytes = sys.dirtyThreshBytes;
        publishSystem(); // readers (status, a scrape) may come before the first tick
        tableChanges.changed(); // the fingerprint of the table scanned now
        rescan(nowNs);
    }

    /** Replaces the policies (SIGHUP); devices are re-matched at the next tick. */
    public void replacePolicies(PolicySet next) {
        policies = next;
        policiesChanged = true;
        reloadsOk.incrementAndGet();
    }

    /** Counts a reload that was refused (the old policies stay): status and metrics show it. */
    public void reloadFailed() {
        reloadsFailed.incrementAndGet();
    }

    /** Counts a tick that ended in an exception (the runner logs it and goes on). */
    public void tickFailed() {
        failedTicks++;
    }

    /** One tick. Returns the number of knob or limit changes made. */
    public int doWork(long nowNs) throws IOException {
        long t0 = System.nanoTime(); // the tick's own cost, whatever clock the caller's nowNs is
        // A tick publishes device by device; a snapshot must see one tick whole, not half of the
        // next (status then a scrape at the "same" tick count showed different drain times).
        // Readers only validate optimistic reads: the tick never waits for one.
        long stamp = published.writeLock();
        int changes;
        try {
            changes = tick(nowNs);
        } finally {
            published.unlockWrite(stamp);
        }
        tickDurations.record(System.nanoTime() - t0);
        return changes;
    }

    private int tick(long nowNs) throws IOException {
        boolean quietTick = ticks % QUIET_EVERY_TICKS == 0;
        if (policiesChanged || nowNs - nextRescanNs >= 0 || (quietTick && tableChanges.changed())) {
            policiesChanged = false;
            rescan(nowNs);
        }
        if (anyBusy || quietTick) {
            system.sample(nowNs, sys);
        } else {
            system.sampleVmstat(nowNs, sys); // without PSI: only whether anything dirtied pages
        }
        // Pages dirtied anywhere since the last tick? (vmstat unreadable: assume so.)
        boolean dirtiedAnywhere = sys.dirtiedBytes < 0 || sys.dirtiedBytes != lastDirtiedBytes;
        lastDirtiedBytes = sys.dirtiedBytes;
        boolean busyNow = false;
        long held = sys.dirtyBytes >= 0 && sys.writebackBytes >= 0 ? sys.dirtyBytes + sys.writebackBytes : -1;
        globalThreshBytes = sys.dirtyThreshBytes;
        publishSystem();
        int changes = 0;
        DeviceState[] st = states;
        for (int i = 0; i < st.length; i++) {
            DeviceState d = st[i];
            BdiSample s = samples[i];
            // A quiet device (holds nothing, dirtied nothing since its last reading) is fed to its
            // law once every QUIET_EVERY_TICKS ticks; a busy governed one every tick. In between,
            // a quiet governed device is only peeked at (one read), and only on a tick when the
            // global dirtied count moved: one that starts writing is seen within a tick, and where
            // nothing writes, nothing is read but once a second. Its allowance is already in force
            // (set at discovery), so a burst meets the cap anyway. An unattached loop device cannot
            // be written: read once for the status table, then never.
            boolean draining = d.governed() && d.draining(nowNs);
            boolean due = d.busy || draining || ticks - d.lastSampledTick >= QUIET_EVERY_TICKS;
            if ((d.unattached && d.lastSampledTick >= 0) || (!due && !(dirtiedAnywhere && d.governed()))) {
                continue;
            }
            long dirtiedBefore = s.dirtiedBytes;
            sampler.sample(i, nowNs, s);
            boolean active = Math.max(0, s.dirtyBytes) + Math.max(0, s.writebackBytes) > 0
                    || s.dirtiedBytes != dirtiedBefore;
            if (!due && !active) {
                continue; // peeked, still quiet: its law is fed at the quiet cadence
            }
            d.lastSampledTick = ticks;
            d.busy = d.governed() && active;
            busyNow |= d.busy;
            d.dirtyBytes = s.dirtyBytes;
            d.writebackBytes = s.writebackBytes;
            long heldNow = Math.max(0, s.dirtyBytes) + Math.max(0, s.writebackBytes);
            if (s.dirtiedBytes >= 0) {
                d.dirtying.update(nowNs, s.dirtiedBytes, heldNow);
                d.dirtyingBytesPerSec = d.dirtying.rateBytesPerSec();
            }
            long written = s.writtenBytes >= 0 ? s.writtenBytes : s.blockWrittenBytes;
            if (written >= 0 && d.throughput.update(nowNs, written, heldNow)) {
                d.throughputBytesPerSec = d.throughput.rateBytesPerSec();
                d.throughputStdErrBytesPerSec = d.throughput.rateStdErrBytesPerSec();
                d.throughputMeasured = true;
            }
            if (!d.governed()) {
                continue;
            }
            // Without debugfs the sample has no thresholds: /proc/vmstat's are the same numbers.
            if (s.globalThreshBytes < 0) {
                s.globalThreshBytes = sys.dirtyThreshBytes;
                s.backgroundThreshBytes = sys.backgroundThreshBytes;
            }
            Decision dec = d.law.decide(s, held, draining);
            d.publish(dec);
            if (dec.knobsChanged) {
                changes += actuate(d, dec, nowNs);
            } else if (knobs != null && nowNs - d.lastDriftCheckNs >= config.driftCheckNs()) {
                d.lastDriftCheckNs = nowNs;
                changes += reassertIfDrifted(i, d, nowNs);
            }
        }
        for (int i = 0; i < served.size(); i++) {
            changes += served.get(i).govern(nowNs, config.dryRun());
        }
        if (memory != null && nowNs - nextRememberNs >= 0) {
            nextRememberNs = nowNs + REMEMBER_EVERY_NS;
            keepLearned();
        }
        anyBusy = busyNow || !served.isEmpty();
        ticks++;
        lastTickNs = nowNs;
        return changes;
    }

    private void publishSystem() {
        pubDirty = sys.dirtyBytes;
        pubWriteback = sys.writebackBytes;
        pubBackground = sys.backgroundThreshBytes;
        pubIoSome = sys.ioSomeAvg10Centi;
        pubIoFull = sys.ioFullAvg10Centi;
        pubMemSome = sys.memSomeAvg10Centi;
        pubMemFull = sys.memFullAvg10Centi;
        pubIoSomeUs = sys.ioSomeTotalUs;
        pubIoFullUs = sys.ioFullTotalUs;
        pubMemSomeUs = sys.memSomeTotalUs;
        pubMemFullUs = sys.memFullTotalUs;
    }

    private int actuate(DeviceState d, Decision dec, long nowNs) {
        String line = d.device.label() + " [" + d.match.policy().name() + "]: allowance " + dec;
        if (knobs == null) {
            LOG.info("{} [dry run: not written]", line);
            return 1;
        }
        d.lastDriftCheckNs = nowNs;
        return write(d, new KnobTarget(dec.maxBytes, dec.minBytes, dec.strict), line);
    }

    private int write(DeviceState d, KnobTarget target, String line) {
        try {
            ApplyResult r = knobs.apply(d.device.bdi(), target);
            d.kept = r.kept();
            d.knobWrites += r.writes();
            if (r.error() != null) {
                d.knobErrors++;
                LOG.warn("{}: {}", line, r.error());
            } else if (line != null) {
                LOG.info(line);
            }
            return r.writes() > 0 ? 1 : 0;
        } catch (IOException e) {
            d.knobErrors++;
            LOG.warn("{}: not applied: {}", d.device.label(), e.getMessage());
            return 0;
        }
    }

    /**
     * The periodic drift check. The common case (nothing moved) must allocate nothing, as every
     * steady-state tick: the kept values are read through {@link KnobSampler} into primitives and
     * compared; only a drift (a change, and rare) takes the allocating read-back and write path.
     */
    private int reassertIfDrifted(int index, DeviceState d, long nowNs) {
        if (d.targetBytes <= 0) {
            return 0;
        }
        // The threshold moves with dirtyable memory: the law's allowance is capped again to the
        // threshold of now. A cap taken at a larger threshold would be refused (EINVAL) once
        // memory is tight, and one taken under pressure would hold the device down after it.
        Decision dec = d.law.recap(sys.dirtyThreshBytes, sys.backgroundThreshBytes);
        d.publish(dec);
        boolean strict = dec.strict;
        long wantMin = dec.minBytes;
        KnobState last = d.kept;
        long thresh = sys.dirtyThreshBytes;
        if (last != null && thresh > 0 && knobSampler.read(index, keptKnobs)) {
            long keptMax = keptKnobs[KnobSampler.MAX];
            long keptMin = keptKnobs[KnobSampler.MIN];
            if (!knobSampler.byteKnobs(index)) { // parts per million of the global threshold
                keptMax = (long) (keptMax / 1e6 * thresh);
                keptMin = (long) (keptMin / 1e6 * thresh);
            }
            long quantum = KnobState.quantumBytes(thresh, knobSampler.ratioStepPpm(index), last.pageSizeBytes());
            if (!BdiKnobs.drifted(keptMax, keptMin, keptKnobs[KnobSampler.STRICT] != 0, quantum, d.targetBytes,
                    wantMin, strict && knobSampler.byteKnobs(index))) { // no strict_limit before 6.2
                return 0;
            }
        }
        KnobTarget t = new KnobTarget(dec.maxBytes, wantMin, strict);
        try {
            d.kept = knobs.read(d.device.bdi());
        } catch (IOException e) {
            return 0; // gone: the next rescan drops it
        }
        if (!knobs.drifted(d.kept, t)) {
            return 0;
        }
        String line = d.device.label() + ": kernel's kept limit drifted to " + bytes(d.kept.maxBytes())
                + " (dirtyable memory changed): re-asserting " + bytes(d.targetBytes);
        return write(d, t, line);
    }

    /** Rebuilds the device table, samplers and states; keeps the state of devices that stay. */
    private void rescan(long nowNs) throws IOException {
        nextRescanNs = nowNs + config.rescanIntervalNs();
        DeviceTable.Change change = watcher.poll();
        DeviceState[] old = states;
        boolean rematch = old.length != change.table().size() || change.any();
        PolicySet p = policies;
        Map<String, DeviceState> keep = new HashMap<>();
        for (DeviceState d : old) {
            keep.put(d.device.bdi(), d);
        }
        if (!rematch && sampler != null) {
            // Same devices; re-match only if the policies changed (a governed state keeps its controller).
            boolean same = true;
            for (DeviceState d : old) {
                if (d.match.policy() != p.explain(d.device, change.table()::byBdi).policy()) {
                    same = false;
                }
            }
            if (same) {
                return;
            }
        }
        DeviceTable table = change.table();
        DeviceState[] next = new DeviceState[table.size()];
        for (int i = 0; i < table.size(); i++) {
            DeviceInfo dev = table.get(i);
            PolicyMatch m = p.explain(dev, table::byBdi);
            DeviceState prev = keep.get(dev.bdi());
            if (prev != null && prev.match.policy() == m.policy() && prev.device.equals(dev)) {
                next[i] = prev;
                continue;
            }
            // A loop device with nothing attached cannot be written: leave its knobs alone.
            boolean unattached = dev.unattachedLoop();
            boolean governed = m.governed() && !unattached;
            String key = governed && memory != null
                    ? DeviceIdentity.key(dev, roots.sys(), roots.proc(), roots.udevData()) : null;
            DeviceMemory.Entry met = memory != null ? memory.get(key) : null;
            DeviceLaw law = governed ? new DeviceLaw(DrainTimeController.builder(m.policy())
                    .rememberedRate(met != null ? met.rateBytesPerSec() : 0).build(), m.policy()) : null;
            DeviceState d = new DeviceState(dev, m, law);
            d.memoryKey = key;
            d.rememberedSeenEpochSeconds = met != null ? met.seenEpochSeconds() : 0;
            next[i] = d;
            if (prev == null && !unattached) {
                LOG.info("device {}: {}", dev.label(), governed ? "governed by policy '" + m.policy().name() + "' ("
                        + m.policy().describeLimits() + ")" + (met == null ? "" : "; met before, last on "
                        + java.time.Instant.ofEpochSecond(met.seenEpochSeconds()) + ", completing "
                        + bytes((long) met.rateBytesPerSec()) + "/s") : "not governed (" + (m.matched() ? "policy '"
                        + m.policy().name() + "' says govern = false" : "no policy matches") + ")");
            }
            if (law != null) {
                // Pages that got in cannot be taken back: cap a new device before anyone writes.
                Decision dec = law.initial(sys.dirtyThreshBytes, sys.backgroundThreshBytes);
                d.publish(dec);
                actuate(d, dec, nowNs);
            }
        }
        for (DeviceState d : old) {
            if (table.byBdi(d.device.bdi()) == null) {
                LOG.info("device {} is gone", d.device.label());
            }
        }
        if (sampler != null) {
            sampler.close();
        }
        if (knobSampler != null) {
            knobSampler.close();
        }
        sampler = new BdiSampler(table, roots.sys(), debugfs ? roots.debugfs() : null, false);
        String[] governedBdis = new String[next.length];
        for (int i = 0; i < next.length; i++) {
            governedBdis[i] = next[i].governed() ? next[i].device.bdi() : null;
        }
        knobSampler = new KnobSampler(roots.sys(), governedBdis);
        samples = sampler.newSamples();
        for (int i = 0; i < next.length; i++) {
            next[i].sources = sampler.sources(i) | system.sources();
        }
        states = next;
    }

    /**
     * Hands every governed device's measured completion rate to {@link DeviceMemory}, which
     * writes its file only when something moved. A device not measured yet or stalled now
     * teaches nothing. Allocates (an entry per moved device): every 30 s, not every tick.
     */
    private void keepLearned() {
        long epoch = System.currentTimeMillis() / 1000;
        for (DeviceState d : states) {
            Decision last = d.governed() ? d.law.last() : null;
            if (d.memoryKey != null && d.law.allowance().hasEstimate() && last != null && !last.stalled) {
                memory.put(d.memoryKey, d.law.allowance().rateBytesPerSec(), epoch);
            }
        }
        try {
            memory.save();
        } catch (IOException e) {
            if (!memoryWarned) {
                memoryWarned = true;
                LOG.warn("cannot keep what was learned about devices in {}: {} (they will start at their "
                        + "policy's initial allowance next time)", memory.file(), e.getMessage());
            }
        }
    }

    /** Restores every knob this governor changed (normal exit, SIGTERM); false when any failed. */
    public boolean restore() {
        if (knobs == null) {
            return true;
        }
        try {
            KnobJournal.RestoreReport r = knobs.restoreAll();
            if (r.failed().isEmpty()) {
                LOG.info("knobs restored: {} bdi(s){}", r.restored().size(),
                        r.vanished().isEmpty() ? "" : ", " + r.vanished().size() + " vanished (dropped)");
            } else {
                LOG.error("knobs restored: {} bdi(s), FAILED: {} (run 'wbgov restore')", r.restored().size(), r.failed());
            }
            return r.ok();
        } catch (IOException e) {
            LOG.error("restoring knobs failed: {} (run 'wbgov restore')", e.getMessage());
            return false;
        }
    }

    /** Devices governed now (a policy matched). Allocates nothing: the duty cycle asks each tick. */
    public int governedCount() {
        int n = 0;
        for (DeviceState d : states) {
            if (d.governed()) {
                n++;
            }
        }
        return n;
    }

    /** Devices seen now, governed or not. */
    public int deviceCount() {
        return states.length;
    }

    /** Knob writes that failed, summed over the devices seen now. */
    public long knobErrorCount() {
        long n = 0;
        for (DeviceState d : states) {
            n += d.knobErrors;
        }
        return n;
    }

    @Override
    public void close() {
        if (memory != null) {
            keepLearned();
        }
        if (sampler != null) {
            sampler.close();
        }
        if (knobSampler != null) {
            knobSampler.close();
        }
        system.close();
        tableChanges.close();
    }

    // ---- drain (wbgov drain, through the control socket's thread) ----

    /**
     * Holds a device at its floor, strict, for {@code leaseNs} from the next tick ({@code wbgov
     * drain}: its writers wait while what it holds goes out); the caller renews the lease while
     * it drains, and {@code leaseNs} 0 releases it at once. No other device is touched. Safe
     * from any thread: the duty cycle takes the request up at its next tick.
     *
     * @param bdi the device's bdi ("7:0")
     * @return null when taken, else why not ("no such device", "not governed")
     */
    public String drain(String bdi, long leaseNs) {
        for (DeviceState d : states) {
            if (d.device.bdi().equals(bdi)) {
                if (!d.governed()) {
                    return d.device.label() + " is not governed (no policy matches): its writers cannot be held back";
                }
                d.drainLeaseNs = Math.max(0, leaseNs);
                d.drainRequests++; // one writer thread (the control socket's): no lost update
                return null;
            }
        }
        return "no device with bdi " + bdi;
    }

    // ---- status (read by the status socket's thread: volatile fields, read as of one whole tick) ----

    /** Everything status, metrics and drain show, read now ({@link GovernorSnapshot}). Allocates. */
    public GovernorSnapshot snapshot() {
        return SnapshotReader.consistent(published, () -> SnapshotReader.read(this, states, served));
    }

    GovernorSnapshot.Global globalSnapshot() {
        return new GovernorSnapshot.Global(known(pubDirty), known(pubWriteback), known(globalThreshBytes),
                known(pubBackground),
                pubIoSome < 0 && pubMemSome < 0 ? null : new GovernorSnapshot.Pressure(
                        percent(pubIoSome), percent(pubIoFull), percent(pubMemSome), percent(pubMemFull),
                        seconds(pubIoSomeUs), seconds(pubIoFullUs), seconds(pubMemSomeUs), seconds(pubMemFullUs)),
                reloadsOk.get(), reloadsFailed.get(), failedTicks, tickDurations.read());
    }

    private static Long known(long v) {
        return v < 0 ? null : v;
    }

    private static Double percent(long centi) {
        return centi < 0 ? null : centi / 100.0;
    }

    private static Double seconds(long micros) {
        return micros < 0 ? null : micros / 1e6;
    }

    long startedEpochMillis() {
        return startedEpochMillis;
    }

    double uptimeSeconds() {
        return startedEpochMillis == 0 ? 0 : Math.max(0, lastTickNs - startedNs) / 1e9;
    }

    Roots roots() {
        return roots;
    }

    /** The answer to one line sent to the status socket ({@link StatusRequest}), from a snapshot. Allocates. */
    public String status(String request) {
        return StatusView.answer(snapshot(), request);
    }

    /** Every device's status, as the table or the JSON (for tests and logs). */
    public String status(boolean json) {
        return status(json ? "status json all" : "status all");
    }

    boolean dryRun() {
        return config.dryRun();
    }

    boolean debugfs() {
        return debugfs;
    }

    /** "1.5M" for a byte count, "-" when unknown (negative). */
    static String bytes(long b) {
        return b < 0 ? "-" : Units.formatBytes(b);
    }

    public long ticks() {
        return ticks;
    }

    /** Allowance currently wanted for a bdi (bytes), 0 when not governed or unknown. For tests. */
    public long allowanceOf(String bdi) {
        for (DeviceState d : states) {
            if (d.device.bdi().equals(bdi)) {
                return d.targetBytes;
            }
        }
        return 0;
    }

    /** Policy name governing a bdi, or null. For tests and explain. */
    public String policyOf(String bdi) {
        for (DeviceState d : states) {
            if (d.device.bdi().equals(bdi)) {
                return d.governed() ? d.match.policy().name() : null;
            }
        }
        return null;
    }
}
