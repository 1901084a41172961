package wbgov.governor.daemon;

import java.util.List;

/** Hand-built {@link GovernorSnapshot}s for the status renderers' tests: every value chosen. */
final class Snapshots {
    static final long MIB = 1L << 20;

    private Snapshots() {
    }

    /** A governed device: policy, rate, held, drain and its upper end, target, allowance. */
    static GovernorSnapshot.Device governed(String name, String bdi, String policy, Double rate, long held,
            Double drain, Double upper, double target, long allowance) {
        boolean over = drain != null && drain > target;
        return new GovernorSnapshot.Device(bdi, name + " (" + bdi + ")", name, "disk", List.of("/media/" + name), true,
                policy, true, held / 2, held - held / 2, 2.0 * MIB, rate, drain, upper, false, 0, target, over, allowance,
                allowance, true, "tracking", null, 10, 0, List.of("debugfs"));
    }

    /** A device no policy matches: the kernel's max_bytes, nothing measured. */
    static GovernorSnapshot.Device ungoverned(String name, String bdi, Long kernelMax) {
        return new GovernorSnapshot.Device(bdi, name + " (" + bdi + ")", name, "disk", List.of(), true, null, false, 0L,
                0L, 0, null, 0.0, 0.0, false, 0, null, false, null, kernelMax, false, null, null, 0, 0,
                List.of("debugfs"));
    }

    static GovernorSnapshot.Device unattachedLoop(int n) {
        return new GovernorSnapshot.Device("7:" + n, "loop" + n + " (7:" + n + ")", "loop" + n, "loop", List.of(),
                false, null, false, 0L, 0L, 0, null, 0.0, 0.0, false, 0, null, false, null, 400 * MIB, false, null,
                null, 0, 0, List.of("debugfs"));
    }

    static GovernorSnapshot of(double uptimeSeconds, List<GovernorSnapshot.Device> devices) {
        // the widest numbers ("1023.5M") and PSI, for the table's width
        long widest = 1023 * MIB + MIB / 2;
        GovernorSnapshot.Global g = new GovernorSnapshot.Global(widest, widest, widest, widest,
                new GovernorSnapshot.Pressure(100.0, 50.0, 0.0, 0.0, 1.5, 1.0, 0.0, 0.0), 0, 0, 0,
                new TickDurations().read());
        return new GovernorSnapshot(1_795_000_000_123L, "0.1.0-test", uptimeSeconds, (long) (uptimeSeconds * 10),
                false, true, g, devices, List.of());
    }
}
