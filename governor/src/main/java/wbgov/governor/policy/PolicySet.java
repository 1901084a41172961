package wbgov.governor.policy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import wbgov.governor.discover.DeviceInfo;

/**
 * All policies in force, and the rule that picks one per device.
 *
 * <p>Loading is all or nothing: every {@code *.toml} file of the directory is parsed, every
 * error of every file is collected, and if there is any the load fails with all of them
 * ({@link PolicyException}); a caller reloading on SIGHUP keeps its old set. Two policies may not
 * share a name.
 *
 * <p>Picking: of the policies whose match keys all hold, the highest priority wins. Equal
 * priorities are broken by the number of match keys (the more specific policy wins), then by
 * name, so the outcome never depends on file order; {@link #explain} says when a tie was broken.
 */
public final class PolicySet {
    private static final Comparator<Policy> ORDER = Comparator
            .comparingInt(Policy::priority).reversed()
            .thenComparing(Comparator.comparingInt(Policy::matchKeyCount).reversed())
            .thenComparing(Policy::name);

    private final List<Policy> policies;

    private PolicySet(List<Policy> policies) {
        List<Policy> sorted = new ArrayList<>(policies);
        sorted.sort(ORDER);
        this.policies = List.copyOf(sorted);
    }

    /** A set from policies built in code; names must be distinct. */
    public static PolicySet of(List<Policy> policies) {
        Map<String, Policy> byName = new HashMap<>();
        for (Policy p : policies) {
            if (byName.put(p.name(), p) != null) {
                throw new IllegalArgumentException("two policies are named '" + p.name() + "'");
            }
        }
        return new PolicySet(policies);
    }

    /**
     * Loads every {@code *.toml} file in {@code dir}, in name order.
     *
     * @throws PolicyException listing every error of every file, when any file is bad, two
     *     policies share a name, or the directory holds no policy
     */
    public static PolicySet load(Path dir) throws PolicyException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.toml")) {
            for (Path f : ds) {
                if (Files.isRegularFile(f)) {
                    files.add(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new PolicyException(List.of(new PolicyError(dir.toString(), 0,
                    "cannot list policy directory: " + e.getMessage())));
        }
        files.sort(Comparator.comparing(Path::toString));
        if (files.isEmpty()) {
            throw new PolicyException(List.of(new PolicyError(dir.toString(), 0, "no *.toml policy files")));
        }
        return load(files);
    }

    /**
     * Loads the given files; what {@code wbgov policy check FILE…} runs.
     *
     * @throws PolicyException listing every error of every file
     */
    public static PolicySet load(List<Path> files) throws PolicyException {
        List<PolicyError> errors = new ArrayList<>();
        List<Policy> loaded = new ArrayList<>();
        Map<String, Policy> byName = new HashMap<>();
        for (Path f : files) {
            PolicyParser.Result r = PolicyParser.parse(f);
            errors.addAll(r.errors());
            if (r.ok()) {
                Policy p = r.policy();
                Policy earlier = byName.putIfAbsent(p.name(), p);
                if (earlier != null) {
                    errors.add(new PolicyError(f.toString(), 0, "policy name '" + p.name()
                            + "' is already used by " + earlier.source()));
                } else {
                    loaded.add(p);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new PolicyException(errors);
        }
        return new PolicySet(loaded);
    }

    /** Highest precedence first. */
    public List<Policy> policies() {
        return policies;
    }

    /** The winning policy for a device, or null when none matches. Off the hot path. */
    public Policy match(DeviceInfo device, Function<String, DeviceInfo> chainLookup) {
        List<String> scratch = new ArrayList<>();
        for (Policy p : policies) {
            scratch.clear();
            if (p.matches(device, chainLookup, scratch)) {
                return p;
            }
        }
        return null;
    }

    /** {@link #match(DeviceInfo, Function)} without knowledge of the chain's devices. */
    public Policy match(DeviceInfo device) {
        return match(device, bdi -> null);
    }

    /**
     * Which policy matches, why, which others also matched and why they lost, and which did not
     * match and on what key.
     *
     * @param chainLookup resolves bdi names of {@code device.chain()} (for {@code chain_kind});
     *     return null for unknown ones
     */
    public PolicyMatch explain(DeviceInfo device, Function<String, DeviceInfo> chainLookup) {
        Policy winner = null;
        List<String> winnerWhy = List.of();
        List<PolicyMatch.Candidate> also = new ArrayList<>();
        List<PolicyMatch.Candidate> rejected = new ArrayList<>();
        for (Policy p : policies) {
            List<String> why = new ArrayList<>();
            boolean hit = p.matches(device, chainLookup, why);
            if (!hit) {
                rejected.add(new PolicyMatch.Candidate(p, why.get(why.size() - 1)));
            } else if (winner == null) {
                winner = p;
                winnerWhy = why;
            } else {
                also.add(new PolicyMatch.Candidate(p, lostBecause(winner, p)));
            }
        }
        return new PolicyMatch(device, winner, winnerWhy, also, rejected);
    }

    public PolicyMatch explain(DeviceInfo device) {
        return explain(device, bdi -> null);
    }

    private static String lostBecause(Policy winner, Policy loser) {
        if (winner.priority() != loser.priority()) {
            return "lower priority " + loser.priority() + " < " + winner.priority();
        }
        if (winner.matchKeyCount() != loser.matchKeyCount()) {
            return "same priority " + loser.priority() + ", fewer match keys (" + loser.matchKeyCount()
                    + " < " + winner.matchKeyCount() + ")";
        }
        return "same priority and match keys; '" + winner.name() + "' wins by name order";
    }
}
