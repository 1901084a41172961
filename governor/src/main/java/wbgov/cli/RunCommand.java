package wbgov.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.daemon.Governor;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.PolicyException;
import wbgov.governor.policy.PolicySet;
import wbgov.linux.LinuxCalls;
import wbgov.nbd.control.ControlServer;

/** {@code wbgov run}: the daemon. Only wires: policies, journal, governor, server, signals. */
@Command(name = "run", sortOptions = false, description = {
    "Govern every device's dirty allowance from its measured speed and its policy (the main job).",
    "Needs root to write knobs; without root, or with --dry-run, computes and logs what it would set."})
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--dry-run", description = "compute and log, touch no knob")
    boolean dryRun;

    @Option(names = "--policies", paramLabel = "DIR", description = "policy directory (default: the shipped policies/)")
    Path policies;

    @Option(names = "--interval", paramLabel = "MS", description = "sampling interval in milliseconds (default 100)")
    long intervalMs = 100;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "knob journal and status socket (default /run/wbgov)")
    Path stateDir;

    @Option(names = "--serve", paramLabel = "BACKEND", description = "also run the bundled NBD server (see 'serve'), its in-flight limit governed too")
    String serve;

    @Mixin
    ServerOptions serverOptions = new ServerOptions();

    @Override
    public Integer call() throws Exception {
        if (intervalMs < 10 || intervalMs > 10_000) {
            throw new IllegalArgumentException("--interval " + intervalMs + ": expected 10..10000 ms");
        }
        Path dir = policies != null ? policies : StateDir.defaultPolicies();
        PolicySet ps;
        try {
            ps = PolicySet.load(dir);
        } catch (PolicyException e) {
            System.err.println("wbgov run: refusing to start, the policies have errors:");
            e.errors().forEach(err -> System.err.println("  " + err));
            return 2;
        }
        boolean root = LinuxCalls.geteuid() == 0;
        boolean dry = dryRun || !root;
        if (!root && !dryRun) {
            LOG.warn("not root: running as a dry run (computes and logs what it would set, touches nothing)");
        }
        Path state = StateDir.resolve(stateDir);
        BdiKnobs knobs = null;
        if (!dry) {
            KnobJournal journal = new KnobJournal(state);
            knobs = BdiKnobs.system(journal);
            if (!journal.isEmpty()) {
                LOG.warn("{} holds knobs of a run that did not exit cleanly: restoring them first", journal.file());
                KnobJournal.RestoreReport r = knobs.restoreAll();
                LOG.info("restored {} bdi(s), {} vanished{}", r.restored().size(), r.vanished().size(),
                        r.failed().isEmpty() ? "" : ", failed: " + r.failed());
            }
        }
        long intervalNs = intervalMs * 1_000_000L;
        Governor gov = new Governor(new Governor.Config(state, intervalNs,
                60_000_000_000L /* backstop: /proc/partitions and mountinfo trigger rescans within 1 s */,
                5_000_000_000L, dry, true),
                ps, DeviceScanner.system(), knobs);
        ServeCommand.ServerSetup server = null;
        if (serve != null) {
            server = ServeCommand.ServerSetup.fromOptions(serverOptions, serve);
            server.start();
            gov.govern(server.export);
        }
        java.nio.file.Files.createDirectories(state);
        ControlServer status = ControlServer.start(StateDir.statusSocket(state),
                cmd -> cmd.trim().equals("status json") ? gov.status(true) : gov.status(false));
        LOG.info("wbgov run: {} policies from {}, interval {} ms, state in {}{}", ps.policies().size(), dir, intervalMs,
                state, dry ? ", DRY RUN" : "");

        final Thread loopThread = Thread.currentThread();
        final boolean[] running = {true};
        final CountDownLatch loopDone = new CountDownLatch(1);
        final ServeCommand.ServerSetup srv = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running[0] = false;
            LockSupport.unpark(loopThread);
            try {
                loopDone.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gov.restore();
            gov.close();
            status.close();
            if (srv != null) {
                srv.stop();
            }
            LOG.info("wbgov run: stopped");
        }, "wbgov-shutdown"));
        Signal.handle(new Signal("HUP"), sig -> {
            try {
                gov.replacePolicies(PolicySet.load(dir));
                LOG.info("SIGHUP: policies reloaded from {}", dir);
            } catch (PolicyException e) {
                LOG.error("SIGHUP: policies NOT reloaded, keeping the old ones: {}", e.getMessage());
                e.errors().forEach(err -> LOG.error("  {}", err));
            }
        });
        try {
            gov.start(System.nanoTime());
            long next = System.nanoTime();
            while (running[0]) {
                long now = System.nanoTime();
                gov.doWork(now);
                next += intervalNs;
                if (next - now < 0) {
                    next = now + intervalNs; // fell behind: do not burst to catch up
                }
                LockSupport.parkNanos(next - System.nanoTime());
            }
        } finally {
            loopDone.countDown();
        }
        return 0;
    }
}
