package wbgov.governor.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;
import wbgov.nbd.units.Units;

/**
 * Every key a policy file may set, in one table: its section, name, type, default, range, an
 * example and a line of documentation, and for a {@code [match]} key the {@link Matcher} that
 * tests a device. The table drives the binder ({@link PolicyParser}), the defaults and range
 * checks of {@link Policy.Builder}, {@link Policy#matches}, {@link Policy#describeLimits} (what
 * {@code wbgov policy explain} prints) and the key reference in policies/README.md and the
 * {@code wbgov-policy} man page ({@link PolicyKeyReference}). No default or range is written
 * anywhere else.
 *
 * <p>Declaration order is the order of files, of the reference, of matching (the first key that
 * does not hold is the one {@code explain} names) and of {@link Policy#describeLimits}.
 */
public enum PolicyKey {
    NAME(key(Section.POLICY, "name", Type.STRING).required().example("\"nbd\"")
            .doc("the policy's name, unique among the policies loaded")),
    PRIORITY(key(Section.POLICY, "priority", Type.INT).required().def(0L).range(0, 1000)
            .doc("higher wins when several policies match; ties: more match keys, then name order")),

    KIND(key(Section.MATCH, "kind", Type.KINDS).example("[\"nbd\", \"loop\"]")
            .matcher(Matcher.member("kind", d -> kindName(d.kind())))
            .doc("the device's kind: " + String.join(", ", kindNames(Arrays.asList(DeviceKind.values()))))),
    TRANSPORT(key(Section.MATCH, "transport", Type.STRINGS).example("[\"usb\", \"sata\"]")
            .matcher(Matcher.member("transport", DeviceInfo::transport))
            .doc("how the device is attached: usb, nvme, sata, scsi, virtio, mmc, nbd, fuse, nfs, loop")),
    REMOVABLE(key(Section.MATCH, "removable", Type.BOOL).matcher(Matcher.flag("removable", DeviceInfo::removable))
            .doc("the kernel's removable flag (USB sticks, card readers)")),
    ROTATIONAL(key(Section.MATCH, "rotational", Type.BOOL).matcher(Matcher.flag("rotational", DeviceInfo::rotational))
            .doc("the kernel's rotational flag (spinning disks)")),
    DEVICE_NAME(key(Section.MATCH, "name", Type.GLOBS).example("[\"sd*\", \"7:*\"]").matcher(Matcher.deviceName())
            .doc("glob on the bdi (7:0) or the block device name (loop0)")),
    MOUNT(key(Section.MATCH, "mount", Type.GLOBS).example("[\"/media/*\"]").matcher(Matcher.mount())
            .doc("glob on any of the device's mount points")),
    FSTYPE(key(Section.MATCH, "fstype", Type.GLOBS).example("[\"fuse.*\"]")
            .matcher(Matcher.field("fstype", DeviceInfo::fsType))
            .doc("glob on the file system type")),
    VENDOR(key(Section.MATCH, "vendor", Type.GLOBS).example("\"SanDisk*\"")
            .matcher(Matcher.field("vendor", DeviceInfo::vendor))
            .doc("glob on the vendor string of sysfs")),
    MODEL(key(Section.MATCH, "model", Type.GLOBS).example("\"*Ultra*\"")
            .matcher(Matcher.field("model", DeviceInfo::model))
            .doc("glob on the model string of sysfs")),
    CHAIN_KIND(key(Section.MATCH, "chain_kind", Type.KINDS).example("[\"fuse\"]").matcher(Matcher.chainKind())
            .doc("the kind of any device the write-back flows into (a loop over a file on FUSE: fuse)")),

    GOVERN(key(Section.LIMITS, "govern", Type.BOOL).def(true)
            .doc("false: leave the device's knobs as the kernel has them")),
    DRAIN_TARGET(key(Section.LIMITS, "drain_target", Type.DURATION).def(2_000_000_000L)
            .range(10_000_000L, 3_600_000_000_000L)
            .doc("the longest the device may need to drain what it holds (the controller's set point)")),
    BACKLOG_TARGET(key(Section.LIMITS, "backlog_target", Type.DURATION).defaultFrom(DRAIN_TARGET)
            .range(1_000_000L, 3_600_000_000_000L)
            .doc("what the device holds while its writers are throttled on it; at most drain_target")),
    FLOOR(key(Section.LIMITS, "floor", Type.SIZE).def(Policy.ABSOLUTE_MIN_FLOOR_BYTES)
            .range(Policy.ABSOLUTE_MIN_FLOOR_BYTES, Long.MAX_VALUE).rangeWhy(" (below it even a slow device loses speed)")
            .doc("the allowance is never below this")),
    CEILING(key(Section.LIMITS, "ceiling", Type.SIZE).def(256L << 20)
            .range(Policy.ABSOLUTE_MIN_FLOOR_BYTES, Long.MAX_VALUE)
            .doc("the allowance is never above this (nor above 90 % of the global dirty threshold)")),
    INITIAL(key(Section.LIMITS, "initial", Type.SIZE).defaultFrom(FLOOR)
            .range(Policy.ABSOLUTE_MIN_FLOOR_BYTES, Long.MAX_VALUE)
            .doc("held from discovery until measured, within floor..ceiling")),
    STRICT(key(Section.LIMITS, "strict", Type.BOOL).def(false)
            .doc("set the bdi's strict_limit: the cap binds even while global dirty memory is low")),
    INFLIGHT_LATENCY(key(Section.LIMITS, "inflight_latency", Type.DURATION).def(20_000_000L)
            .range(100_000L, 60_000_000_000L)
            .doc("the bundled NBD server's in-flight limit is the completion rate × this (Little's law)"));

    /** A policy file's sections, in file order. */
    public enum Section {
        POLICY, MATCH, LIMITS;

        /** As a file spells it: "limits". */
        public String tomlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The section a file names, or null. */
        static Section named(String name) {
            for (Section s : values()) {
                if (s.tomlName().equals(name)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** What a key's value is: its Java form, its word in the reference, and the form errors ask for. */
    public enum Type {
        STRING(String.class, "string", "a quoted string"),
        INT(Long.class, "integer", "an integer"),
        BOOL(Boolean.class, "true/false", "true or false"),
        SIZE(Long.class, "size", Units.SIZE_FORM),
        DURATION(Long.class, "duration", Units.DURATION_FORM + ", quoted"),
        STRINGS(List.class, "string or list of strings", "a string or a list of strings"),
        GLOBS(List.class, "glob or list of globs", "a glob or a list of globs"),
        KINDS(List.class, "kind or list of kinds", "a kind or a list of kinds");

        final Class<?> javaType;
        final String word;
        final String form;

        Type(Class<?> javaType, String word, String form) {
            this.javaType = javaType;
            this.word = word;
            this.form = form;
        }

        public String word() {
            return word;
        }

        /** A value as explain and the reference print it: "2s", "1M", "[nbd, loop]", "true". */
        @SuppressWarnings("unchecked")
        public String format(Object v) {
            return switch (this) {
                case SIZE -> Units.formatBytes((Long) v);
                case DURATION -> Units.formatDurationNs((Long) v);
                case KINDS -> kindNames((List<DeviceKind>) v).toString();
                default -> String.valueOf(v);
            };
        }
    }

    private final Spec spec;

    PolicyKey(Spec spec) {
        this.spec = spec;
    }

    public Section section() {
        return spec.section;
    }

    /** The name as a file spells it: "drain_target". */
    public String tomlName() {
        return spec.name;
    }

    public Type type() {
        return spec.type;
    }

    /** Whether a policy file must set it. */
    public boolean required() {
        return spec.required;
    }

    /** Another key whose value is this one's default (backlog_target: drain_target), or null. */
    public PolicyKey defaultFrom() {
        return spec.defaultFrom;
    }

    /** The default; null for "any" (match keys), for a required name and for {@link #defaultFrom}. */
    public Object defaultValue() {
        return spec.def;
    }

    public String doc() {
        return spec.doc;
    }

    /** The tester of a [match] key; null for the others. */
    Matcher matcher() {
        return spec.matcher;
    }

    /** The form a bad value is told to take: "an integer 0..1000", "a glob or a list of globs like [\"fuse.*\"]". */
    public String expected() {
        String range = spec.type == Type.INT ? " " + range() : "";
        return spec.type.form + range + (spec.example == null ? "" : " like " + spec.example);
    }

    /** The allowed range as the reference prints it ("0..1000", "≥ 1M", "10ms..1h"), "" when any. */
    public String range() {
        if (!spec.ranged()) {
            return "";
        }
        return spec.max == Long.MAX_VALUE ? "≥ " + bound(spec.min) : bound(spec.min) + ".." + bound(spec.max);
    }

    /** A value in a range message: as {@link Type#format}, but whole hours of a duration as "1h". */
    private String bound(long v) {
        return spec.type == Type.DURATION && v > 0 && v % 3_600_000_000_000L == 0 ? v / 3_600_000_000_000L + "h"
                : spec.type.format(v);
    }

    /** The keys of a section, in order. */
    public static List<PolicyKey> in(Section s) {
        List<PolicyKey> out = new ArrayList<>();
        for (PolicyKey k : values()) {
            if (k.section() == s) {
                out.add(k);
            }
        }
        return out;
    }

    /** The key a file names in a section, or null. */
    static PolicyKey find(Section s, String name) {
        for (PolicyKey k : in(s)) {
            if (k.tomlName().equals(name)) {
                return k;
            }
        }
        return null;
    }

    /**
     * Checks a value for this key: its Java type, a non-blank string, the range. Null is allowed
     * only for an optional key whose default is null ("any" for a flag, a derived default).
     *
     * @throws IllegalArgumentException naming the key, the range and the value
     */
    public void check(Object v) {
        if (v == null) {
            if (spec.def != null || spec.required) {
                throw new IllegalArgumentException(spec.name + " must be set");
            }
            return;
        }
        if (!spec.type.javaType.isInstance(v)) {
            throw new IllegalArgumentException(spec.name + ": expected " + expected() + ", got " + v.getClass());
        }
        if (v instanceof String s && s.isBlank()) {
            throw new IllegalArgumentException(spec.name + " must not be empty");
        }
        if (spec.ranged() && ((Long) v < spec.min || (Long) v > spec.max)) {
            String must = spec.max == Long.MAX_VALUE ? "be at least " + bound(spec.min)
                    : spec.type == Type.INT ? "be in " + range()
                    : "be between " + bound(spec.min) + " and " + bound(spec.max);
            throw new IllegalArgumentException(spec.name + " must " + must + spec.rangeWhy + ", got " + bound((Long) v));
        }
    }

    /** Every key's default, by ordinal; what {@link Policy.Builder} starts from. */
    static Object[] defaults() {
        PolicyKey[] keys = values();
        Object[] out = new Object[keys.length];
        for (PolicyKey k : keys) {
            out[k.ordinal()] = k.spec.def;
        }
        return out;
    }

    /** Lowercase name as policy files spell it: NETWORK_FS → "network_fs". */
    static String kindName(DeviceKind k) {
        return k.name().toLowerCase(Locale.ROOT);
    }

    static List<String> kindNames(List<DeviceKind> ks) {
        List<String> out = new ArrayList<>(ks.size());
        for (DeviceKind k : ks) {
            out.add(kindName(k));
        }
        return out;
    }

    private static Spec key(Section section, String name, Type type) {
        Spec s = new Spec();
        s.section = section;
        s.name = name;
        s.type = type;
        s.def = type.javaType == List.class ? List.of() : null;
        return s;
    }

    /** One row of the table while it is written; read only through the key's accessors. */
    private static final class Spec {
        Section section;
        String name;
        Type type;
        Object def;
        PolicyKey defaultFrom;
        boolean required;
        long min = Long.MIN_VALUE;
        long max = Long.MAX_VALUE;
        String rangeWhy = "";
        String example;
        String doc;
        Matcher matcher;

        boolean ranged() {
            return min != Long.MIN_VALUE;
        }

        Spec required() {
            required = true;
            return this;
        }

        Spec def(Object v) {
            def = v;
            return this;
        }

        Spec defaultFrom(PolicyKey k) {
            defaultFrom = k;
            return this;
        }

        Spec range(long lo, long hi) {
            min = lo;
            max = hi;
            return this;
        }

        Spec rangeWhy(String why) {
            rangeWhy = why;
            return this;
        }

        Spec example(String e) {
            example = e;
            return this;
        }

        Spec matcher(Matcher m) {
            matcher = m;
            return this;
        }

        Spec doc(String d) {
            doc = d;
            return this;
        }
    }
}
