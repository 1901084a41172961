package wbgov.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import io.prometheus.metrics.model.registry.MultiCollector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.daemon.ControlRequests;
import wbgov.governor.daemon.DutyCycle;
import wbgov.governor.daemon.Governor;
import wbgov.governor.daemon.InstanceLock;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.metrics.ExportCollector;
import wbgov.governor.metrics.GovernorCollector;
import wbgov.governor.metrics.Metrics;
import wbgov.governor.metrics.ProcessCollector;
import wbgov.governor.policy.PolicyException;
import wbgov.governor.memory.DeviceMemory;
import wbgov.governor.policy.PolicyPath;
import wbgov.governor.policy.PolicySet;
import wbgov.linux.LinuxCalls;
import wbgov.linux.LinuxException;
import wbgov.linux.SystemdNotifier;
import wbgov.nbd.control.ControlServer;

/**
 * {@code wbgov run}: the daemon. Only wires: lock, policies, journal, governor, server, signals,
 * and systemd's notifications.
 *
 * <p>Under systemd ({@code Type=notify}): {@code READY=1} only once the journal is open, a crashed
 * run's knobs are restored and the first tick has run; {@code STATUS=} a one-line summary whenever
 * the number of governed devices or of knob errors changes; {@code WATCHDOG=1} from the duty
 * cycle itself, and only after a tick that completed, so a stuck or failing tick stops the pings
 * and systemd kills and restarts the daemon (which restores first); {@code RELOADING=1} …
 * {@code READY=1} around a SIGHUP reload; {@code STOPPING=1} on SIGTERM.
 */
@Command(name = "run", sortOptions = false, mixinStandardHelpOptions = true, description = {
    "Govern every device's dirty allowance from its measured speed and its policy (the main job).",
    "Needs root to write knobs; without root, or with --dry-run, computes and logs what it would set.",
    "One instance per state directory (a lock); SIGHUP reloads the policies; SIGTERM restores every knob and exits 0."})
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--dry-run", description = "compute and log, touch no knob")
    boolean dryRun;

    @Option(names = "--policies", paramLabel = "DIR", description = "policy directory; repeat to overlay, later "
            + "directories overriding earlier ones per file name, an empty file masking one (default: in a checkout "
            + "its policies/; installed, /usr/share/wbgov/policies then /etc/wbgov/policies)")
    List<Path> policies;

    @Option(names = "--interval", paramLabel = "MS", description = "sampling interval in milliseconds, 10..10000 (default 100)")
    long intervalMs = 100;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "knob journal, lock and status socket (default /run/wbgov)")
    Path stateDir;

    @Option(names = "--status-group", paramLabel = "GROUP", description = "a group whose members may read the "
            + "status socket (mode 0660; it answers status requests only); 'none': root only (0600) (default: "
            + "group wbgov if it exists, else none)")
    String statusGroup;

    @Option(names = "--remember", paramLabel = "FILE", description = "what was learned about each device (its "
            + "completion rate), kept across runs: a device met again starts at what it earned (default "
            + "/var/lib/wbgov/devices when root; 'none' forgets)")
    String remember;

    @Option(names = "--serve", paramLabel = "BACKEND", description = "also run the bundled NBD server (see 'serve'), its in-flight limit governed too")
    String serve;

    @Mixin
    ServerOptions serverOptions = new ServerOptions();

    @Mixin
    MetricsOptions metricsOptions = new MetricsOptions();

    private volatile boolean running = true;
    private volatile DutyCycle cycle;

    @Override
    public Integer call() throws Exception {
        if (intervalMs < 10 || intervalMs > 10_000) {
            throw new IllegalArgumentException("--interval " + intervalMs + ": expected 10..10000 ms");
        }
        GroupPrincipal readers = StateDir.statusGroup(statusGroup);
        metricsOptions.httpAddress(); // a usage error before anything starts
        metricsOptions.textfileIntervalNs();
        PolicyPath dir = StateDir.policies(policies);
        PolicySet ps;
        try {
            ps = dir.load();
        } catch (PolicyException e) {
            System.err.println("wbgov run: refusing to start, the policies have errors:");
            e.errors().forEach(err -> System.err.println("  " + err));
            return 1;
        }
        boolean root = LinuxCalls.geteuid() == 0;
        boolean dry = dryRun || !root;
        if (!root && !dryRun) {
            LOG.warn("not root: running as a dry run (computes and logs what it would set, touches nothing)");
        }
        Path state = StateDir.resolve(stateDir);
        InstanceLock lock;
        try {
            lock = InstanceLock.acquire(state);
        } catch (InstanceLock.HeldException e) {
            System.err.println("wbgov run: " + e.getMessage());
            return 1;
        }
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment();
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
        Governor gov = new Governor(new Governor.Config(
                60_000_000_000L /* backstop: /proc/partitions and mountinfo trigger rescans within 1 s */,
                5_000_000_000L, dry, true),
                ps, DeviceScanner.system(), knobs);
        Path memoryFile = StateDir.memory(remember, root && !dry);
        if (memoryFile != null) {
            List<String> warnings = new ArrayList<>();
            DeviceMemory memory = DeviceMemory.load(memoryFile, System.currentTimeMillis() / 1000, warnings);
            warnings.forEach(w -> LOG.warn("{}", w));
            LOG.info("remembering devices in {} ({} known)", memoryFile, memory.size());
            gov.remember(memory);
        }
        ServeCommand.ServerSetup server = serve == null ? null : ServeCommand.ServerSetup.fromOptions(serverOptions, serve);
        // Scrapes read gov.snapshot() on their own thread: the duty cycle never waits for one.
        // Started before the server listens: a metrics port in use stops the start, not a live server.
        List<MultiCollector> collectors = new ArrayList<>(List.of(new ProcessCollector(), new GovernorCollector(gov::snapshot)));
        if (server != null) {
            List<wbgov.nbd.Export> exports = List.of(server.export);
            collectors.add(new ExportCollector(() -> exports));
        }
        Metrics metrics = metricsOptions.start(collectors);
        if (server != null) {
            server.start();
            gov.govern(server.export);
        }
        // The lock is ours: a socket file here is a dead run's, replaced.
        ControlServer status = ControlServer.start(StateDir.statusSocket(state), readers, gov::status);
        ControlServer control = ControlServer.start(StateDir.controlSocket(state), cmd -> ControlRequests.serve(gov, cmd));

        final Thread loopThread = Thread.currentThread();
        final CountDownLatch loopDone = new CountDownLatch(1);
        final ServeCommand.ServerSetup srv = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running = false;
            notifier.stopping();
            DutyCycle c = cycle;
            if (c != null) {
                c.stop();
            }
            LockSupport.unpark(loopThread);
            try {
                loopDone.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            boolean restored = gov.restore();
            metrics.close();
            gov.close();
            status.close();
            control.close();
            if (srv != null) {
                srv.stop();
            }
            try {
                lock.close();
            } catch (IOException e) {
                // the kernel drops it with the process anyway
            }
            LOG.info("wbgov run: stopped");
            notifier.close();
            if (!restored) {
                Runtime.getRuntime().halt(1); // not a clean stop: a knob is left changed
            }
        }, "wbgov-shutdown"));
        Main.exitZeroOnSigterm();
        unignoreHangup();
        Signal.handle(new Signal("HUP"), sig -> {
            notifier.reloading();
            try {
                gov.replacePolicies(dir.load());
                LOG.info("SIGHUP: policies reloaded from {}", dir);
            } catch (PolicyException e) {
                gov.reloadFailed();
                LOG.error("SIGHUP: policies NOT reloaded, keeping the old ones: {} error(s)", e.errors().size());
                e.errors().forEach(err -> LOG.error("  {}", err));
            }
            notifier.ready(summary(gov, dry));
        });
        // Logged once SIGTERM is a clean stop and SIGHUP a reload: whoever waits for this line
        // may stop or reload the daemon.
        LOG.info("wbgov run: {} policies from {}, interval {} ms, state in {}{}{}", ps.policies().size(), dir, intervalMs,
                state, dry ? ", DRY RUN" : "", notifier.enabled() ? ", under systemd"
                        + (notifier.watchdogPeriodNanos() > 0 ? " (watchdog every " + notifier.watchdogPeriodNanos() / 1_000_000 + " ms)" : "") : "");
        try {
            dutyCycle(gov, notifier, intervalNs, dry);
        } finally {
            loopDone.countDown();
        }
        return 0;
    }

    /**
     * Started with SIGHUP ignored ({@code nohup wbgov run}), the JVM would silently install no
     * handler for it and a reload would never happen: put it back to the default first (the
     * handler installed next is what the hangup then does: a reload, not an exit).
     */
    private static void unignoreHangup() {
        try {
            if (LinuxCalls.unignoreSignal(1)) {
                LOG.info("SIGHUP was ignored at start (nohup?): it reloads the policies all the same");
            }
        } catch (LinuxException e) {
            LOG.warn("SIGHUP may not reload the policies: {}", e.getMessage());
        }
    }

    /** The loop: tick, ping the watchdog after a good tick, keep STATUS= current, sleep. */
    private void dutyCycle(Governor gov, SystemdNotifier notifier, long intervalNs, boolean dry) throws IOException {
        long watchdogNs = notifier.watchdogPeriodNanos();
        gov.start(System.nanoTime());
        gov.doWork(System.nanoTime());
        notifier.ready(summary(gov, dry));
        long[] last = {gov.governedCount(), gov.knobErrorCount(), System.nanoTime()}; // governed, errors, next ping
        DutyCycle cycle = new DutyCycle(gov, intervalNs, (now, healthy) -> {
            if (!healthy) {
                gov.tickFailed(); // status and metrics count it
            }
            // A tick that failed sends no ping: one that keeps failing gets the daemon restarted.
            if (healthy && watchdogNs > 0 && now - last[2] >= 0) {
                notifier.watchdog();
                last[2] = now + watchdogNs;
            }
            if (notifier.enabled() && (gov.governedCount() != last[0] || gov.knobErrorCount() != last[1])) {
                last[0] = gov.governedCount();
                last[1] = gov.knobErrorCount();
                notifier.status(summary(gov, dry));
            }
        });
        this.cycle = cycle;
        if (running) {
            cycle.run();
        }
    }

    /** The STATUS= line: "governing 3 of 7 devices, 0 knob errors". */
    static String summary(Governor gov, boolean dry) {
        long errors = gov.knobErrorCount();
        return (dry ? "dry run: would govern " : "governing ") + gov.governedCount() + " of " + gov.deviceCount()
                + " devices, " + (errors == 0 ? "no knob errors" : errors + " knob error" + (errors == 1 ? "" : "s"));
    }
}
