package wbgov.governor.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;

/**
 * How one {@code [match]} key of {@link PolicyKey} tests a device: it adds one line to
 * {@code why}, saying what held or, on failure, what did not. The lines are what
 * {@code wbgov policy explain} prints after "because" and "not".
 */
@FunctionalInterface
interface Matcher {
    /**
     * @param value the key's value in the policy: a non-empty list, or a Boolean
     * @param chainLookup resolves a bdi name of {@code device.chain()} to its DeviceInfo, or null
     */
    boolean test(Object value, DeviceInfo device, Function<String, DeviceInfo> chainLookup, List<String> why);

    /** The device's field is one of the listed names: "kind nbd in [nbd, loop]". */
    static Matcher member(String word, Function<DeviceInfo, String> field) {
        return (value, d, chain, why) -> {
            List<String> names = names(value);
            String v = field.apply(d);
            boolean in = names.contains(v);
            why.add(word + " " + v + (in ? " in " : " not in ") + names);
            return in;
        };
    }

    /** The device's flag equals the policy's: "removable = true", "removable is false, not true". */
    static Matcher flag(String word, Predicate<DeviceInfo> field) {
        return (value, d, chain, why) -> {
            boolean want = (Boolean) value;
            boolean is = field.test(d);
            why.add(is == want ? word + " = " + want : word + " is " + is + ", not " + want);
            return is == want;
        };
    }

    /** A glob on the bdi, else on the block device name; the device's label in both lines. */
    static Matcher deviceName() {
        return globs(d -> d.blockDevice() == null ? List.of(d.bdi()) : List.of(d.bdi(), d.blockDevice()),
                (d, hit) -> "name " + d.label(), d -> "name " + d.label() + " matches");
    }

    /** A glob on any mount point: "mount /media/x matches \"/media/*\"". */
    static Matcher mount() {
        return globs(DeviceInfo::mountPoints, (d, hit) -> "mount " + hit, d -> "mounts " + d.mountPoints() + " match");
    }

    /** A glob on one string field: "fstype ext4 matches \"ext*\"", "fstype \"xfs\" matches none of [ext*]". */
    static Matcher field(String word, Function<DeviceInfo, String> field) {
        return globs(d -> List.of(field.apply(d)), (d, hit) -> word + " " + hit,
                d -> word + " \"" + field.apply(d) + "\" matches");
    }

    /**
     * The first candidate text that any pattern matches.
     *
     * @param hitSubject the subject of the line that says which pattern matched, given the text
     * @param missSubject the subject and verb of "… none of [patterns]"
     */
    private static Matcher globs(Function<DeviceInfo, List<String>> candidates,
            BiFunction<DeviceInfo, String, String> hitSubject, Function<DeviceInfo, String> missSubject) {
        return (value, d, chain, why) -> {
            List<String> patterns = names(value);
            for (String text : candidates.apply(d)) {
                for (String p : patterns) {
                    if (Glob.matches(p, text)) {
                        why.add(hitSubject.apply(d, text) + " matches \"" + p + "\"");
                        return true;
                    }
                }
            }
            why.add(missSubject.apply(d) + " none of " + patterns);
            return false;
        };
    }

    /** Some link of the device's chain (what its write-back flows into) is of a listed kind. */
    static Matcher chainKind() {
        return (value, d, chain, why) -> {
            List<String> kinds = names(value);
            for (String bdi : d.chain()) {
                DeviceInfo link = chain.apply(bdi);
                if (link != null && kinds.contains(PolicyKey.kindName(link.kind()))) {
                    why.add("chain link " + link.label() + " is of kind in " + kinds);
                    return true;
                }
            }
            why.add("no link of chain " + d.chain() + " is of kind " + kinds);
            return false;
        };
    }

    /** A list value as strings: kinds by their file names. */
    private static List<String> names(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add(o instanceof DeviceKind k ? PolicyKey.kindName(k) : (String) o);
        }
        return out;
    }
}
