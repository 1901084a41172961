package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import wbgov.bench.rig.Teardown;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.daemon.DutyCycle;
import wbgov.governor.daemon.Governor;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.memory.DeviceMemory;
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
    private final PolicySet policies;
    private final Path stateDir;
    private final List<Export> exports;
    private final long intervalNs;
    private volatile Governor governor;
    private volatile DutyCycle cycle;
    private volatile Thread thread;
    private final Teardown.Handle teardown;
    /** The daemon's control socket ({@code control.sock} in the state directory: {@code wbgov drain} asks here). */
    private final wbgov.nbd.control.ControlServer control;

    private InProcessGovernor(PolicySet policies, Path stateDir, List<Export> exports, long intervalNs) throws IOException {
        this.policies = policies;
        this.stateDir = stateDir;
        this.exports = List.copyOf(exports);
        this.intervalNs = intervalNs;
        launch();
        this.control = wbgov.nbd.control.ControlServer.start(stateDir.resolve("control.sock"),
                cmd -> wbgov.governor.daemon.ControlRequests.serve(governor, cmd));
        this.teardown = Teardown.register("in-process governor (restores its knobs)", this::stopAndRestore);
    }

    /**
     * A new daemon: restore-first journal, devices remembered in the state directory's
     * {@code devices} file (as {@code wbgov run --remember}), the exports governed, the first
     * tick run before any writer starts.
     */
    private void launch() throws IOException {
        KnobJournal journal = new KnobJournal(stateDir);
        BdiKnobs knobs = BdiKnobs.system(journal);
        if (!journal.isEmpty()) {
            knobs.restoreAll(); // a previous bench run died here: put its knobs back first
        }
        Governor g = new Governor(new Governor.Config(2_000_000_000L, 5_000_000_000L, false, true),
                policies, DeviceScanner.system(), knobs);
        g.remember(DeviceMemory.load(stateDir.resolve(DeviceMemory.FILE_NAME), System.currentTimeMillis() / 1000,
                new ArrayList<>()));
        for (Export e : exports) {
            g.govern(e);
        }
        g.start(System.nanoTime());
        g.doWork(System.nanoTime());
        DutyCycle c = new DutyCycle(g, intervalNs, (now, healthy) -> { });
        Thread t = new Thread(c::run, "bench-governor");
        t.setDaemon(true);
        governor = g;
        cycle = c;
        thread = t;
        t.start();
    }

    /**
     * Stops this daemon (knobs restored, what it learned kept) and starts a new one on the same
     * state directory: "a later run", which meets the devices again with what the first learned.
     */
    public void restart() throws IOException {
        stopAndRestore();
        launch();
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
        return new InProcessGovernor(ps, stateDir, exports, intervalNs);
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

    /** The state directory: the journal, what it learned, the control socket. */
    public Path stateDir() {
        return stateDir;
    }

    /** Stops the loop and restores every knob it changed. */
    @Override
    public void close() throws IOException {
        control.close();
        teardown.closeIo();
    }
}
