package wbgov.governor.policy;

import static wbgov.governor.policy.PolicyKey.BACKLOG_TARGET;
import static wbgov.governor.policy.PolicyKey.CEILING;
import static wbgov.governor.policy.PolicyKey.CHAIN_KIND;
import static wbgov.governor.policy.PolicyKey.DEVICE_NAME;
import static wbgov.governor.policy.PolicyKey.DRAIN_TARGET;
import static wbgov.governor.policy.PolicyKey.FLOOR;
import static wbgov.governor.policy.PolicyKey.FSTYPE;
import static wbgov.governor.policy.PolicyKey.GOVERN;
import static wbgov.governor.policy.PolicyKey.INFLIGHT_LATENCY;
import static wbgov.governor.policy.PolicyKey.INITIAL;
import static wbgov.governor.policy.PolicyKey.KIND;
import static wbgov.governor.policy.PolicyKey.MODEL;
import static wbgov.governor.policy.PolicyKey.MOUNT;
import static wbgov.governor.policy.PolicyKey.NAME;
import static wbgov.governor.policy.PolicyKey.PRIORITY;
import static wbgov.governor.policy.PolicyKey.REMOVABLE;
import static wbgov.governor.policy.PolicyKey.ROTATIONAL;
import static wbgov.governor.policy.PolicyKey.STRICT;
import static wbgov.governor.policy.PolicyKey.TRANSPORT;
import static wbgov.governor.policy.PolicyKey.VENDOR;

import java.util.ArrayList;
import java.util.List;
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
 * <p>Every value is kept by its {@link PolicyKey}, whose table holds the defaults and ranges;
 * the accessors below are typed views of it.
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

    private final String source;
    /** By {@link PolicyKey#ordinal()}; derived defaults resolved. */
    private final Object[] values;

    private Policy(String source, Object[] values) {
        this.source = source;
        this.values = values;
    }

    public static Builder builder(String name) {
        return new Builder().set(NAME, name);
    }

    /** The value of a key: a String, Long, Boolean (null: any) or an immutable List. */
    public Object value(PolicyKey k) {
        return values[k.ordinal()];
    }

    private long number(PolicyKey k) {
        return (Long) value(k);
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> list(PolicyKey k) {
        return (List<T>) value(k);
    }

    public String name() {
        return (String) value(NAME);
    }

    public int priority() {
        return (int) number(PRIORITY);
    }

    /** Where it came from ("policies/nbd.toml"), "" when built in code. */
    public String source() {
        return source;
    }

    public List<DeviceKind> kinds() {
        return list(KIND);
    }

    public List<String> transports() {
        return list(TRANSPORT);
    }

    /** Required removable flag, or null when any. */
    public Boolean removable() {
        return (Boolean) value(REMOVABLE);
    }

    /** Required rotational flag, or null when any. */
    public Boolean rotational() {
        return (Boolean) value(ROTATIONAL);
    }

    public List<String> names() {
        return list(DEVICE_NAME);
    }

    public List<String> mounts() {
        return list(MOUNT);
    }

    public List<String> fsTypes() {
        return list(FSTYPE);
    }

    public List<String> vendors() {
        return list(VENDOR);
    }

    public List<String> models() {
        return list(MODEL);
    }

    public List<DeviceKind> chainKinds() {
        return list(CHAIN_KIND);
    }

    /** False: wbgov leaves the device's knobs as the kernel has them. */
    public boolean govern() {
        return (Boolean) value(GOVERN);
    }

    public long drainTargetNs() {
        return number(DRAIN_TARGET);
    }

    /**
     * What the device holds while its writers are throttled on it (backlogged), as seconds of its
     * completion rate; ≤ the drain target, equal to it unless the policy sets backlog_target.
     */
    public long backlogTargetNs() {
        return number(BACKLOG_TARGET);
    }

    public long floorBytes() {
        return number(FLOOR);
    }

    public long ceilingBytes() {
        return number(CEILING);
    }

    /** The allowance held before any measurement: an idle slow device is already capped. */
    public long initialBytes() {
        return number(INITIAL);
    }

    /** Whether to set the bdi's strict_limit (its cap then binds even below the freerun point). */
    public boolean strict() {
        return (Boolean) value(STRICT);
    }

    /** Latency target for the bundled NBD server's in-flight limit (Little's law). */
    public long inflightLatencyNs() {
        return number(INFLIGHT_LATENCY);
    }

    /** Whether a [match] key takes part: a non-empty list or a flag that is not "any". */
    private boolean present(PolicyKey k) {
        Object v = value(k);
        return v != null && !(v instanceof List<?> l && l.isEmpty());
    }

    /** How many match keys the policy has; 0 for a catch-all. */
    public int matchKeyCount() {
        int n = 0;
        for (PolicyKey k : PolicyKey.in(PolicyKey.Section.MATCH)) {
            n += present(k) ? 1 : 0;
        }
        return n;
    }

    /**
     * Whether this policy matches a device, saying why in {@code why}: one line per match key that
     * held, or, on failure, the first key that did not hold as the last line. The keys are tested
     * in {@link PolicyKey} order, each by its {@link Matcher}.
     *
     * @param chainLookup resolves a bdi name of {@code device.chain()} to its DeviceInfo, or null
     *     when unknown; used by {@code chain_kind}
     */
    public boolean matches(DeviceInfo device, Function<String, DeviceInfo> chainLookup, List<String> why) {
        for (PolicyKey k : PolicyKey.in(PolicyKey.Section.MATCH)) {
            if (present(k) && !k.matcher().test(value(k), device, chainLookup, why)) {
                return false;
            }
        }
        if (matchKeyCount() == 0) {
            why.add("no match keys: matches every device");
        }
        return true;
    }

    /**
     * One line: the limits, as explain and logs print them, in {@link PolicyKey} order; a key
     * whose default is another key's value only where it differs from it.
     */
    public String describeLimits() {
        if (!govern()) {
            return "not governed";
        }
        List<String> parts = new ArrayList<>();
        for (PolicyKey k : PolicyKey.in(PolicyKey.Section.LIMITS)) {
            Object v = value(k);
            if (k == GOVERN || k.defaultFrom() != null && v.equals(value(k.defaultFrom()))) {
                continue;
            }
            parts.add(v instanceof Boolean b ? (b ? "" : "not ") + k.tomlName()
                    : k.tomlName() + " " + k.type().format(v));
        }
        return String.join(", ", parts);
    }

    @Override
    public String toString() {
        return name() + " (priority " + priority() + (source.isEmpty() ? "" : ", " + source) + ")";
    }

    /**
     * Starts from every key's {@link PolicyKey#defaultValue() default}; each setter checks its
     * key's range, {@link #build} the limits against each other.
     */
    public static final class Builder {
        private final Object[] values = PolicyKey.defaults();
        private String source = "";

        Builder() {
        }

        /** Sets a key, checked by {@link PolicyKey#check}; lists are copied. */
        Builder set(PolicyKey k, Object v) {
            k.check(v);
            values[k.ordinal()] = v instanceof List<?> l ? List.copyOf(l) : v;
            return this;
        }

        public Builder priority(int v) {
            return set(PRIORITY, (long) v);
        }

        public Builder source(String v) {
            source = v;
            return this;
        }

        public Builder kinds(List<DeviceKind> v) {
            return set(KIND, v);
        }

        public Builder transports(List<String> v) {
            return set(TRANSPORT, v);
        }

        public Builder removable(Boolean v) {
            return set(REMOVABLE, v);
        }

        public Builder rotational(Boolean v) {
            return set(ROTATIONAL, v);
        }

        public Builder names(List<String> v) {
            return set(DEVICE_NAME, v);
        }

        public Builder mounts(List<String> v) {
            return set(MOUNT, v);
        }

        public Builder fsTypes(List<String> v) {
            return set(FSTYPE, v);
        }

        public Builder vendors(List<String> v) {
            return set(VENDOR, v);
        }

        public Builder models(List<String> v) {
            return set(MODEL, v);
        }

        public Builder chainKinds(List<DeviceKind> v) {
            return set(CHAIN_KIND, v);
        }

        public Builder govern(boolean v) {
            return set(GOVERN, v);
        }

        public Builder drainTargetNs(long v) {
            return set(DRAIN_TARGET, v);
        }

        /** What a backlogged device holds, in seconds of its rate; at most the drain target. */
        public Builder backlogTargetNs(long v) {
            return set(BACKLOG_TARGET, v);
        }

        public Builder floorBytes(long v) {
            return set(FLOOR, v);
        }

        public Builder ceilingBytes(long v) {
            return set(CEILING, v);
        }

        /** Before any measurement; defaults to the floor. */
        public Builder initialBytes(long v) {
            return set(INITIAL, v);
        }

        public Builder strict(boolean v) {
            return set(STRICT, v);
        }

        public Builder inflightLatencyNs(long v) {
            return set(INFLIGHT_LATENCY, v);
        }

        /** The values with derived defaults filled in (backlog_target from drain_target …). */
        private Object[] resolved() {
            Object[] v = values.clone();
            for (PolicyKey k : PolicyKey.values()) {
                if (v[k.ordinal()] == null && k.defaultFrom() != null) {
                    v[k.ordinal()] = v[k.defaultFrom().ordinal()];
                }
            }
            return v;
        }

        /**
         * A relation between limits that does not hold.
         *
         * @param keys the keys it involves, for the binder to name the line of the last one set
         */
        record Conflict(String message, List<PolicyKey> keys) {
        }

        /** The first relation that does not hold: backlog ≤ drain target, floor ≤ initial ≤ ceiling; or null. */
        Conflict conflict() {
            Object[] v = resolved();
            long drain = (Long) v[DRAIN_TARGET.ordinal()];
            long backlog = (Long) v[BACKLOG_TARGET.ordinal()];
            long floor = (Long) v[FLOOR.ordinal()];
            long ceiling = (Long) v[CEILING.ordinal()];
            long initial = (Long) v[INITIAL.ordinal()];
            if (backlog > drain) {
                return new Conflict("backlog_target " + Units.formatDurationNs(backlog) + " is above drain_target "
                        + Units.formatDurationNs(drain) + ": a backlogged device never holds more than the drain target",
                        List.of(BACKLOG_TARGET, DRAIN_TARGET));
            }
            if (floor > ceiling) {
                return new Conflict("floor " + Units.formatBytes(floor) + " is above ceiling "
                        + Units.formatBytes(ceiling), List.of(FLOOR, CEILING));
            }
            if (initial < floor || initial > ceiling) {
                return new Conflict("initial " + Units.formatBytes(initial) + " is outside floor..ceiling "
                        + Units.formatBytes(floor) + ".." + Units.formatBytes(ceiling), List.of(INITIAL, FLOOR, CEILING));
            }
            return null;
        }

        /** Checks the limits against each other ({@link #conflict}). */
        public Policy build() {
            Conflict c = conflict();
            if (c != null) {
                throw new IllegalArgumentException(c.message());
            }
            return new Policy(source, resolved());
        }
    }
}
