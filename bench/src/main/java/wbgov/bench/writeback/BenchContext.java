package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import wbgov.bench.rig.KernelSnapshot;
import wbgov.bench.rig.Sh;
import wbgov.bench.rig.SlowNbdDevice;
import wbgov.bench.rig.StaticCap;
import wbgov.nbd.Export;

/**
 * What every scenario shares: the run's options (quick or full, where to write, which
 * configurations), the progress printer, and the one place that puts a configuration in force
 * and takes it away again.
 *
 * <p>The machine's dirty budget: this host has 23 GiB, so its own default (20 % of available
 * memory, ~4.5 GB) is never reached by writes of a few hundred MB and nothing would contend.
 * Every configuration therefore runs on a global {@code vm.dirty_bytes} of {@link
 * #budgetBytes} (400 MB by default, as in CONTEXT.md's measurements: the budget of a machine
 * with ~2 GB free), except the small-global one, which lowers it to {@link #smallBudgetBytes}.
 * The background threshold is left as the kernel derives it (half the limit, since the
 * background ratio exceeds it). Both forms are saved and restored by {@link KernelSnapshot}.
 */
public final class BenchContext {
    /** Sampling period of the recorder: 10 Hz. */
    public static final long PERIOD_NS = 100_000_000L;
    /** Window for rates in CSVs and plots. */
    public static final double RATE_WINDOW_S = 0.5;
    /** The drain target of the shipped policies for the slow class (loop over NBD/FUSE, nbd): 2 s. */
    public static final double SLOW_DRAIN_TARGET_S = 2.0;

    public final boolean quick;
    public final Path out;
    public final Path work;
    public final Path shippedPolicies;
    public final long budgetBytes;
    public final long smallBudgetBytes;
    public final List<Configuration> configurations;
    public final Progress progress;

    public BenchContext(boolean quick, Path out, Path work, Path shippedPolicies, long budgetBytes, long smallBudgetBytes,
            List<Configuration> configurations, Progress progress) {
        this.quick = quick;
        this.out = out;
        this.work = work;
        this.shippedPolicies = shippedPolicies;
        this.budgetBytes = budgetBytes;
        this.smallBudgetBytes = smallBudgetBytes;
        this.configurations = List.copyOf(configurations);
        this.progress = progress;
    }

    /**
     * How long {@link Scenario#awaitOrLift} waits in --quick for a writer stalled behind a slow
     * device before lifting the slow backends: the report then says "&gt; cut-off". What it
     * shows (a 64 MiB global limit held by a 1 MiB/s device stalls every other writer) is plain
     * after 10 s; waiting out the minutes would only make --quick slow.
     */
    public static final double QUICK_CUTOFF_S = 10.0;

    /** {@code full} normally, {@code quick} with --quick. */
    public double size(double full, double quickValue) {
        return quick ? quickValue : full;
    }

    public long size(long full, long quickValue) {
        return quick ? quickValue : full;
    }

    /** The cut-off for a writer stalled behind a slow device: {@code fullS}, or {@link #QUICK_CUTOFF_S} with --quick. */
    public double cutoff(double fullS) {
        return size(fullS, QUICK_CUTOFF_S);
    }

    /** The devices a configuration acts on. */
    public record Devices(List<String> allBdis, List<String> slowClassBdis, List<Export> exports) {
        /**
         * Slow NBD devices (the slow class: each one's loop and FUSE bdis, and its export) and
         * other devices' bdis beside them.
         */
        public static Devices of(List<SlowNbdDevice> slow, String... otherBdis) {
            List<String> slowBdis = new ArrayList<>();
            List<Export> exports = new ArrayList<>();
            for (SlowNbdDevice d : slow) {
                slowBdis.addAll(List.of(d.loopBdi(), d.fuseBdi()));
                exports.add(d.export());
            }
            List<String> all = new ArrayList<>(slowBdis);
            all.addAll(List.of(otherBdis));
            return new Devices(List.copyOf(all), List.copyOf(slowBdis), List.copyOf(exports));
        }
    }

    /**
     * Puts {@code c} in force; close the result to take it away (knobs restored). The global
     * budget is set for every configuration (see the class comment).
     *
     * @param stateDir a fresh directory for the governor's journal
     */
    public AutoCloseable apply(Configuration c, KernelSnapshot snap, Devices d, Path stateDir) throws IOException {
        snap.setDirtyBytes(c == Configuration.SMALL_GLOBAL ? smallBudgetBytes : budgetBytes);
        switch (c) {
            case DEFAULTS, SMALL_GLOBAL -> {
                return () -> {
                };
            }
            case STATIC_CAP -> {
                return StaticCap.apply(snap, d.slowClassBdis());
            }
            case WBGOV -> {
                Path pol = ScopedPolicies.write(shippedPolicies, stateDir.resolve("policies"), d.allBdis());
                InProcessGovernor g = InProcessGovernor.start(pol, stateDir, d.exports(), PERIOD_NS);
                return g;
            }
            default -> throw new IllegalStateException(c.toString());
        }
    }

    /**
     * Empties slow devices between runs: lifts the emulated rate so what is dirty drains at
     * memory speed, deletes the writers' files, syncs, and puts the rate back. Why: the next
     * configuration must start from an empty device, not from the last one's backlog.
     */
    public void drain(List<SlowNbdDevice> slow, List<Path> otherMounts) throws IOException {
        lifted(slow, () -> {
            for (SlowNbdDevice s : slow) {
                clear(s.mountPoint());
            }
            for (Path p : otherMounts) {
                clear(p);
            }
        });
    }

    /** Something to do while the slow backends run free. */
    @FunctionalInterface
    public interface Action<E extends Exception> {
        void run() throws E;
    }

    /**
     * Runs {@code action} with every one of {@code slow}'s emulated rates lifted (0 = unlimited),
     * then puts each rate back, also when it throws: what they hold drains at memory speed.
     */
    public static <E extends Exception> void lifted(List<SlowNbdDevice> slow, Action<E> action) throws E {
        long[] rates = new long[slow.size()];
        for (int i = 0; i < slow.size(); i++) {
            rates[i] = slow.get(i).rate();
            slow.get(i).setRate(0);
        }
        try {
            action.run();
        } finally {
            for (int i = 0; i < slow.size(); i++) {
                slow.get(i).setRate(rates[i]);
            }
        }
    }

    private static void clear(Path mount) throws IOException {
        try (var ds = Files.newDirectoryStream(mount, "*.dat")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
        Sh.run(600, "sync", "-f", mount.toString());
    }

    /** "1.5 MiB/s"-style for parameters. */
    public static String mib(double bytes) {
        return String.format(Locale.ROOT, "%s MiB", Report.number(bytes / (1 << 20)));
    }
}
