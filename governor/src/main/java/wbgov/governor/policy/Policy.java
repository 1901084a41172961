package wbgov.governor.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;
import wbgov.nbd.units.Units;

/**
 * How wbgov treats one class of devices: which devices it matches and the limits their
 * controllers work within. Immutable; built by {@link PolicyParser} from a file an admin edits,
 * or by {@link Builder} in tests.
 *
 * <p>Matching: every match key present must hold (AND); a key that lists several values holds
 * when any of them does (OR). A policy with no match key matches every device (the default
 * policy). When several policies match, the highest {@code priority} wins (see
 * {@link PolicySet}).
 *
 * <p>Limits: {@code drainTargetNs} is the controller's set point, the longest a device may need
 * to drain what it holds; {@code floorBytes} ≤ {@code initialBytes} ≤ {@code ceilingBytes} bound
 * its allowance, and no floor may be below {@link #ABSOLUTE_MIN_FLOOR_BYTES}.
 */
public final class Policy {
    /**
     * No allowance is ever below 1 MiB. Not for progress: the kernel lets a writer dirty a folio
     * whenever the device holds less than its limit, so even a limit below one folio never stops
     * it (it then writes one folio at a time at the device's speed); the floor is never zero,
     * which is the seed's rule. For throughput: measured on this machine's NBD stack (loop over
     * nbdfuse, 1 MiB writes), a strict 1 MiB cap keeps a 0.8 MiB/s and an 8 MiB/s device at
     * full speed and an 80 MiB/s one at 80 MiB/s, where 0.5 MiB cut that to 61 (CONTEXT.md).
     * Fast classes should use floors of ten maximum-size (2 MiB) folios or more: FUSE's 1 %
     * cap cut 1 GiB/s to 230 MiB/s.
     */
    public static final long ABSOLUTE_MIN_FLOOR_BYTES = 1L << 20;

    private final String name;
    private final int priority;
    private final String source;
    private final List<DeviceKind> kinds;
    private final List<String> transports;
    private final Boolean removable;
    private final Boolean rotational;
    private final List<String> names;
    private final List<String> mounts;
    private final List<String> fsTypes;
    private final List<String> vendors;
    private final List<String> models;
    private final List<DeviceKind> chainKinds;
    private final boolean govern;
    private final long drainTargetNs;
    private final long backlogTargetNs;
    private final long floorBytes;
    private final long ceilingBytes;
    private final long initialBytes;
    private final boolean strict;
    private final long inflightLatencyNs;

    private Policy(Builder b) {
        name = b.name;
        priority = b.priority;
        source = b.source;
        kinds = List.copyOf(b.kinds);
        transports = List.copyOf(b.transports);
        removable = b.removable;
        rotational = b.rotational;
        names = List.copyOf(b.names);
        mounts = List.copyOf(b.mounts);
        fsTypes = List.copyOf(b.fsTypes);
        vendors = List.copyOf(b.vendors);
        models = List.copyOf(b.models);
        chainKinds = List.copyOf(b.chainKinds);
        govern = b.govern;
        drainTargetNs = b.drainTargetNs;
        backlogTargetNs = b.backlogTargetNs < 0 ? b.drainTargetNs : b.backlogTargetNs;
        floorBytes = b.floorBytes;
        ceilingBytes = b.ceilingBytes;
        initialBytes = b.initialBytes < 0 ? b.floorBytes : b.initialBytes;
        strict = b.strict;
        inflightLatencyNs = b.inflightLatencyNs;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public int priority() {
        return priority;
    }

    /** Where it came from ("policies/nbd.toml"), "" when built in code. */
    public String source() {
        return source;
    }

    public List<DeviceKind> kinds() {
        return kinds;
    }

    public List<String> transports() {
        return transports;
    }

    /** Required removable flag, or null when any. */
    public Boolean removable() {
        return removable;
    }

    /** Required rotational flag, or null when any. */
    public Boolean rotational() {
        return rotational;
    }

    public List<String> names() {
        return names;
    }

    public List<String> mounts() {
        return mounts;
    }

    public List<String> fsTypes() {
        return fsTypes;
    }

    public List<String> vendors() {
        return vendors;
    }

    public List<String> models() {
        return models;
    }

    public List<DeviceKind> chainKinds() {
        return chainKinds;
    }

    /** False: wbgov leaves the device's knobs as the kernel has them. */
    public boolean govern() {
        return govern;
    }

    public long drainTargetNs() {
        return drainTargetNs;
    }

    /**
     * What the device holds while its writers are throttled on it (backlogged), as seconds of its
     * completion rate; ≤ the drain target, equal to it unless the policy sets backlog_target.
     */
    public long backlogTargetNs() {
        return backlogTargetNs;
    }

    public long floorBytes() {
        return floorBytes;
    }

    public long ceilingBytes() {
        return ceilingBytes;
    }

    /** The allowance held before any measurement: an idle slow device is already capped. */
    public long initialBytes() {
        return initialBytes;
    }

    /** Whether to set the bdi's strict_limit (its cap then binds even below the freerun point). */
    public boolean strict() {
        return strict;
    }

    /** Latency target for the bundled NBD server's in-flight limit (Little's law). */
    public long inflightLatencyNs() {
        return inflightLatencyNs;
    }

    /** How many match keys the policy has; 0 for a catch-all. */
    public int matchKeyCount() {
        int n = 0;
        n += kinds.isEmpty() ? 0 : 1;
        n += transports.isEmpty() ? 0 : 1;
        n += removable == null ? 0 : 1;
        n += rotational == null ? 0 : 1;
        n += names.isEmpty() ? 0 : 1;
        n += mounts.isEmpty() ? 0 : 1;
        n += fsTypes.isEmpty() ? 0 : 1;
        n += vendors.isEmpty() ? 0 : 1;
        n += models.isEmpty() ? 0 : 1;
        n += chainKinds.isEmpty() ? 0 : 1;
        return n;
    }

    /**
     * Whether this policy matches a device, saying why in {@code why}: one line per match key that
     * held, or, on failure, the first key that did not hold as the last line.
     *
     * @param chainLookup resolves a bdi name of {@code device.chain()} to its DeviceInfo, or null
     *     when unknown; used by {@code chain_kind}
     */
    public boolean matches(DeviceInfo device, Function<String, DeviceInfo> chainLookup, List<String> why) {
        if (!kinds.isEmpty()) {
            if (!kinds.contains(device.kind())) {
                why.add("kind " + kindName(device.kind()) + " not in " + kindNames(kinds));
                return false;
            }
            why.add("kind " + kindName(device.kind()) + " in " + kindNames(kinds));
        }
        if (!transports.isEmpty()) {
            if (!transports.contains(device.transport())) {
                why.add("transport " + device.transport() + " not in " + transports);
                return false;
            }
            why.add("transport " + device.transport() + " in " + transports);
        }
        if (removable != null) {
            if (device.removable() != removable) {
                why.add("removable is " + device.removable() + ", not " + removable);
                return false;
            }
            why.add("removable = " + removable);
        }
        if (rotational != null) {
            if (device.rotational() != rotational) {
                why.add("rotational is " + device.rotational() + ", not " + rotational);
                return false;
            }
            why.add("rotational = " + rotational);
        }
        if (!names.isEmpty()) {
            String hit = firstMatch(names, device.bdi());
            if (hit == null && device.blockDevice() != null) {
                hit = firstMatch(names, device.blockDevice());
            }
            if (hit == null) {
                why.add("name " + device.label() + " matches none of " + names);
                return false;
            }
            why.add("name " + device.label() + " matches \"" + hit + "\"");
        }
        if (!mounts.isEmpty()) {
            String hit = null;
            String at = null;
            for (String mp : device.mountPoints()) {
                hit = firstMatch(mounts, mp);
                if (hit != null) {
                    at = mp;
                    break;
                }
            }
            if (hit == null) {
                why.add("mounts " + device.mountPoints() + " match none of " + mounts);
                return false;
            }
            why.add("mount " + at + " matches \"" + hit + "\"");
        }
        if (!fsTypes.isEmpty()) {
            String hit = firstMatch(fsTypes, device.fsType());
            if (hit == null) {
                why.add("fstype \"" + device.fsType() + "\" matches none of " + fsTypes);
                return false;
            }
            why.add("fstype " + device.fsType() + " matches \"" + hit + "\"");
        }
        if (!vendors.isEmpty()) {
            String hit = firstMatch(vendors, device.vendor());
            if (hit == null) {
                why.add("vendor \"" + device.vendor() + "\" matches none of " + vendors);
                return false;
            }
            why.add("vendor " + device.vendor() + " matches \"" + hit + "\"");
        }
        if (!models.isEmpty()) {
            String hit = firstMatch(models, device.model());
            if (hit == null) {
                why.add("model \"" + device.model() + "\" matches none of " + models);
                return false;
            }
            why.add("model " + device.model() + " matches \"" + hit + "\"");
        }
        if (!chainKinds.isEmpty()) {
            String link = null;
            for (String bdi : device.chain()) {
                DeviceInfo d = chainLookup.apply(bdi);
                if (d != null && chainKinds.contains(d.kind())) {
                    link = d.label();
                    break;
                }
            }
            if (link == null) {
                why.add("no link of chain " + device.chain() + " is of kind " + kindNames(chainKinds));
                return false;
            }
            why.add("chain link " + link + " is of kind in " + kindNames(chainKinds));
        }
        if (matchKeyCount() == 0) {
            why.add("no match keys: matches every device");
        }
        return true;
    }

    /** One line: the limits, as explain and logs print them. */
    public String describeLimits() {
        if (!govern) {
            return "not governed";
        }
        return "drain_target " + Units.formatDurationNs(drainTargetNs)
                + (backlogTargetNs < drainTargetNs ? ", backlog_target " + Units.formatDurationNs(backlogTargetNs) : "")
                + ", floor " + Units.formatBytes(floorBytes)
                + ", ceiling " + Units.formatBytes(ceilingBytes)
                + ", initial " + Units.formatBytes(initialBytes)
                + (strict ? ", strict" : ", not strict")
                + ", inflight_latency " + Units.formatDurationNs(inflightLatencyNs);
    }

    @Override
    public String toString() {
        return name + " (priority " + priority + (source.isEmpty() ? "" : ", " + source) + ")";
    }

    /** Lowercase name as policy files spell it: NETWORK_FS → "network_fs". */
    static String kindName(DeviceKind k) {
        return k.name().toLowerCase(Locale.ROOT);
    }

    private static String kindNames(List<DeviceKind> ks) {
        List<String> out = new ArrayList<>(ks.size());
        for (DeviceKind k : ks) {
            out.add(kindName(k));
        }
        return out.toString();
    }

    private static String firstMatch(List<String> patterns, String text) {
        for (String p : patterns) {
            if (Glob.matches(p, text)) {
                return p;
            }
        }
        return null;
    }

    /** Defaults are a conservative governed policy: 2 s drain, 1 MiB floor (the absolute minimum), 256 MiB ceiling. */
    public static final class Builder {
        private final String name;
        private int priority = 0;
        private String source = "";
        private List<DeviceKind> kinds = List.of();
        private List<String> transports = List.of();
        private Boolean removable;
        private Boolean rotational;
        private List<String> names = List.of();
        private List<String> mounts = List.of();
        private List<String> fsTypes = List.of();
        private List<String> vendors = List.of();
        private List<String> models = List.of();
        private List<DeviceKind> chainKinds = List.of();
        private boolean govern = true;
        private long drainTargetNs = 2_000_000_000L;
        private long backlogTargetNs = -1;
        private long floorBytes = ABSOLUTE_MIN_FLOOR_BYTES;
        private long ceilingBytes = 256L << 20;
        private long initialBytes = -1;
        private boolean strict = false;
        private long inflightLatencyNs = 20_000_000L;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
        }

        public Builder priority(int v) {
            if (v < 0 || v > 1000) {
                throw new IllegalArgumentException("priority must be in 0..1000, got " + v);
            }
            priority = v;
            return this;
        }

        public Builder source(String v) {
            source = v;
            return this;
        }

        public Builder kinds(List<DeviceKind> v) {
            kinds = List.copyOf(v);
            return this;
        }

        public Builder transports(List<String> v) {
            transports = List.copyOf(v);
            return this;
        }

        public Builder removable(Boolean v) {
            removable = v;
            return this;
        }

        public Builder rotational(Boolean v) {
            rotational = v;
            return this;
        }

        public Builder names(List<String> v) {
            names = List.copyOf(v);
            return this;
        }

        public Builder mounts(List<String> v) {
            mounts = List.copyOf(v);
            return this;
        }

        public Builder fsTypes(List<String> v) {
            fsTypes = List.copyOf(v);
            return this;
        }

        public Builder vendors(List<String> v) {
            vendors = List.copyOf(v);
            return this;
        }

        public Builder models(List<String> v) {
            models = List.copyOf(v);
            return this;
        }

        public Builder chainKinds(List<DeviceKind> v) {
            chainKinds = List.copyOf(v);
            return this;
        }

        public Builder govern(boolean v) {
            govern = v;
            return this;
        }

        public Builder drainTargetNs(long v) {
            if (v < 10_000_000L || v > 3_600_000_000_000L) {
                throw new IllegalArgumentException("drain_target must be between 10ms and 1h, got "
                        + Units.formatDurationNs(v));
            }
            drainTargetNs = v;
            return this;
        }

        /** What a backlogged device holds, in seconds of its rate; at most the drain target. */
        public Builder backlogTargetNs(long v) {
            if (v < 1_000_000L || v > 3_600_000_000_000L) {
                throw new IllegalArgumentException("backlog_target must be between 1ms and 1h, got "
                        + Units.formatDurationNs(v));
            }
            backlogTargetNs = v;
            return this;
        }

        public Builder floorBytes(long v) {
            if (v < ABSOLUTE_MIN_FLOOR_BYTES) {
                throw new IllegalArgumentException("floor must be at least "
                        + Units.formatBytes(ABSOLUTE_MIN_FLOOR_BYTES)
                        + " (below it even a slow device loses speed), got " + Units.formatBytes(v));
            }
            floorBytes = v;
            return this;
        }

        public Builder ceilingBytes(long v) {
            if (v < ABSOLUTE_MIN_FLOOR_BYTES) {
                throw new IllegalArgumentException("ceiling must be at least "
                        + Units.formatBytes(ABSOLUTE_MIN_FLOOR_BYTES) + ", got " + Units.formatBytes(v));
            }
            ceilingBytes = v;
            return this;
        }

        /** Before any measurement; defaults to the floor. */
        public Builder initialBytes(long v) {
            if (v < ABSOLUTE_MIN_FLOOR_BYTES) {
                throw new IllegalArgumentException("initial must be at least "
                        + Units.formatBytes(ABSOLUTE_MIN_FLOOR_BYTES) + ", got " + Units.formatBytes(v));
            }
            initialBytes = v;
            return this;
        }

        public Builder strict(boolean v) {
            strict = v;
            return this;
        }

        public Builder inflightLatencyNs(long v) {
            if (v < 100_000L || v > 60_000_000_000L) {
                throw new IllegalArgumentException("inflight_latency must be between 100us and 60s, got "
                        + Units.formatDurationNs(v));
            }
            inflightLatencyNs = v;
            return this;
        }

        /** Checks the limits against each other: floor ≤ initial ≤ ceiling, backlog ≤ drain target. */
        public Policy build() {
            if (backlogTargetNs > drainTargetNs) {
                throw new IllegalArgumentException("backlog_target " + Units.formatDurationNs(backlogTargetNs)
                        + " is above drain_target " + Units.formatDurationNs(drainTargetNs)
                        + ": a backlogged device never holds more than the drain target");
            }
            if (floorBytes > ceilingBytes) {
                throw new IllegalArgumentException("floor " + Units.formatBytes(floorBytes)
                        + " is above ceiling " + Units.formatBytes(ceilingBytes));
            }
            if (initialBytes >= 0 && (initialBytes < floorBytes || initialBytes > ceilingBytes)) {
                throw new IllegalArgumentException("initial " + Units.formatBytes(initialBytes)
                        + " is outside floor..ceiling " + Units.formatBytes(floorBytes) + ".."
                        + Units.formatBytes(ceilingBytes));
            }
            return new Policy(this);
        }
    }
}
