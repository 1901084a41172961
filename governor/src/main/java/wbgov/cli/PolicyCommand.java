package wbgov.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import wbgov.governor.control.Decision;
import wbgov.governor.control.DrainTimeController;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.discover.DeviceTable;
import wbgov.governor.memory.DeviceIdentity;
import wbgov.governor.memory.DeviceMemory;
import wbgov.governor.policy.PolicyException;
import wbgov.governor.policy.PolicyMatch;
import wbgov.governor.policy.PolicyPath;
import wbgov.governor.policy.PolicySet;
import wbgov.governor.sample.BdiSample;
import wbgov.governor.sample.BdiSampler;
import wbgov.governor.sample.DebugFs;
import wbgov.nbd.units.Units;

/** {@code wbgov policy check|explain}. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Check policy files, or explain which policy governs a device.",
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Explain.class})
public final class PolicyCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Report every error with file and line; exit 1 if any.",
                "Without FILE: the policies 'run' would load (in a checkout its policies/; installed, "
                    + "/usr/share/wbgov/policies overridden by /etc/wbgov/policies)."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", arity = "0..*", description = "policy files or directories")
        List<Path> files = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            try {
                List<Path> all = new ArrayList<>();
                if (files.isEmpty()) {
                    all.addAll(StateDir.policies(null).files());
                }
                for (Path p : files) {
                    // A directory alone, as run reads it: an empty one is an error there too.
                    all.addAll(Files.isDirectory(p) ? PolicyPath.of(List.of(p)).files() : List.of(p));
                }
                PolicySet ps = PolicySet.load(all);
                System.out.println(ps.policies().size() + " policies OK: "
                        + ps.policies().stream().map(pol -> pol.name() + " (" + pol.source() + ")").toList());
                return 0;
            } catch (PolicyException e) {
                e.errors().forEach(err -> System.out.println(err));
                System.out.println(e.errors().size() + " error(s)");
                return 1;
            }
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true, description = "Which policy matches DEVICE and why, and the allowance it would get now.")
    static final class Explain implements Callable<Integer> {
        @Parameters(paramLabel = "DEVICE", description = "bdi (7:0), block device (loop0, /dev/sdb) or a mount point")
        String device;

        @Option(names = "--policies", paramLabel = "DIR", description = "policy directory; repeat to overlay "
                + "(later wins per file name; default: as for run)")
        List<Path> policies;

        @Option(names = "--sample-ms", paramLabel = "MS", description = "how long to measure the device (default 1000)")
        long sampleMs = 1000;

        @Option(names = "--remember", paramLabel = "FILE", description = "the daemon's remembered devices (default "
                + "/var/lib/wbgov/devices): whether DEVICE was met before, and where it would start")
        Path remember = StateDir.MEMORY;

        @Override
        public Integer call() throws Exception {
            PolicySet ps;
            try {
                ps = StateDir.policies(policies).load();
            } catch (PolicyException e) {
                e.errors().forEach(err -> System.err.println(err));
                return 1;
            }
            DeviceTable table = DeviceScanner.system().scan();
            DeviceInfo d = find(table, device);
            if (d == null) {
                System.err.println("wbgov policy explain: no device '" + device + "' (known: "
                        + table.devices().stream().map(DeviceInfo::label).toList() + ")");
                return 1;
            }
            System.out.println("device: " + d);
            PolicyMatch m = ps.explain(d, table::byBdi);
            System.out.println(m.describe());
            if (!m.governed()) {
                return 0;
            }
            String key = DeviceIdentity.key(d, Path.of("/sys"), Path.of("/proc"), Path.of("/run/udev/data"));
            List<String> warnings = new ArrayList<>();
            DeviceMemory.Entry met = DeviceMemory.load(remember, System.currentTimeMillis() / 1000, warnings).get(key);
            warnings.forEach(System.err::println);
            DrainTimeController c = DrainTimeController.builder(m.policy())
                    .rememberedRate(met != null ? met.rateBytesPerSec() : 0).build();
            System.out.println(key == null ? "identity: none (no WWID, serial, backing file or export): not remembered"
                    : met == null ? "identity: " + key + ": not met before, starts at its policy's initial "
                            + Units.formatBytes(c.allowanceBytes())
                    : "identity: " + key + ": remembered from " + java.time.Instant.ofEpochSecond(met.seenEpochSeconds())
                            + " in " + remember + " (completing " + Units.formatBytes((long) met.rateBytesPerSec())
                            + "/s): starts at " + Units.formatBytes(c.allowanceBytes()));
            boolean debugfs = DebugFs.ensureMounted(DebugFs.DEFAULT_ROOT, false);
            DeviceTable one = new DeviceTable(List.of(d));
            try (BdiSampler s = new BdiSampler(one, Path.of("/sys"), debugfs ? DebugFs.DEFAULT_ROOT : null)) {
                BdiSample[] samples = s.newSamples();
                Decision dec = null;
                long end = System.nanoTime() + sampleMs * 1_000_000L;
                while (System.nanoTime() - end < 0) {
                    s.sampleAll(System.nanoTime(), samples);
                    dec = c.update(samples[0]);
                    Thread.sleep(100);
                }
                System.out.println("now: completing " + Units.formatBytes((long) c.rateBytesPerSec()) + "/s, holding "
                        + Units.formatBytes(Math.max(0, samples[0].dirtyBytes) + Math.max(0, samples[0].writebackBytes))
                        + " → allowance " + Units.formatBytes(c.allowanceBytes())
                        + (dec == null ? "" : " (" + dec.reason.text() + ")")
                        + (debugfs ? "" : " [debugfs unavailable: inferred]"));
            }
            return 0;
        }

        static DeviceInfo find(DeviceTable t, String name) {
            String n = name.startsWith("/dev/") ? name.substring(5) : name;
            DeviceInfo d = t.byBdi(n);
            if (d == null) {
                d = t.byBlockDevice(n);
            }
            if (d == null) {
                for (DeviceInfo x : t.devices()) {
                    if (x.mountPoints().contains(name)) {
                        return x;
                    }
                }
            }
            return d;
        }
    }
}
