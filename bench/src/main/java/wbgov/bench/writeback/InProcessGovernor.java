package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import wbgov.bench.rig.Teardown;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.daemon.DutyCycle;
import wbgov.governor.daemon.Governor;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.PolicySet;
import wbgov.nbd.Export;

/**
 * The wbgov configuration of a scenario: the real {@link Governor} (the same class {@code wbgov
 * run} drives, with its journal and knob writer) on its own thread at the daemon's default
 * 100 ms, in this JVM. Why in-process rather than {@code wbgov run}: the scenario's NBD server
 * lives in this JVM, and the governor must set its in-flight limit ({@link Governor#govern}),
 * exactly as {@code wbgov run --serve} does in one process. The overhead scenario measures the
 * separate daemon process instead.
 *
 * <p>{@link #close()} stops the loop and restores every knob through the governor's journal;
 * registered with {@link Teardown} so Ctrl-C restores too.
 */
public final class InProcessGovernor implements AutoCloseable {
    private final Governor governor;
    private final DutyCycle cycle;
    private final Thread thread;
    private final Teardown.Handle teardown;

    private InProcessGovernor(Governor governor, long intervalNs) {
        this.governor = governor;
        this.cycle = new DutyCycle(governor, intervalNs, (now, healthy) -> { });
        this.thread = new Thread(cycle::run, "bench-governor");
        thread.setDaemon(true);
        this.teardown = Teardown.register("in-process governor (restores its knobs)", this::stopAndRestore);
    }

    /**
     * Starts governing: discovers devices, puts each governed one at its policy's initial
     * allowance (before any writer starts), then ticks every {@code intervalNs}.
     *
     * @param policies a policy directory (the shipped ones, scoped: {@link ScopedPolicies})
     * @param stateDir where the knob journal goes
     * @param exports the bundled server's exports whose in-flight limit it sets
     */
    public static InProcessGovernor start(Path policies, Path stateDir, List<Export> exports, long intervalNs)
            throws IOException {
        PolicySet ps;
        try {
            ps = PolicySet.load(policies);
        } catch (wbgov.governor.policy.PolicyException e) {
            throw new IOException("policies in " + policies + ": " + e.getMessage(), e);
        }
        KnobJournal journal = new KnobJournal(stateDir);
        BdiKnobs knobs = BdiKnobs.system(journal);
        if (!journal.isEmpty()) {
            knobs.restoreAll(); // a previous bench run died here: put its knobs back first
        }
        Governor g = new Governor(new Governor.Config(2_000_000_000L, 5_000_000_000L, false, true),
                ps, DeviceScanner.system(), knobs);
        for (Export e : exports) {
            g.govern(e);
        }
        g.start(System.nanoTime());
        g.doWork(System.nanoTime());
        InProcessGovernor ig = new InProcessGovernor(g, intervalNs);
        ig.thread.start();
        return ig;
    }

    public Governor governor() {
        return governor;
    }

    /** Ticks that threw (a device vanished mid-tick…); the first error is kept. */
    public long loopErrors() {
        return cycle.failedTicks();
    }

    public Throwable firstError() {
        return cycle.firstError();
    }

    /** Knob writes that failed or were refused, over the run (from the knob writer's counters). */
    public long knobFailures() {
        BdiKnobs k = governor.knobs();
        return k == null ? 0 : k.failures() + k.refusals();
    }

    public long knobWrites() {
        BdiKnobs k = governor.knobs();
        return k == null ? 0 : k.writes();
    }

    private void stopAndRestore() {
        cycle.stop();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        governor.restore();
        governor.close();
    }

    /** Stops the loop and restores every knob it changed. */
    @Override
    public void close() throws IOException {
        teardown.closeIo();
    }
}
