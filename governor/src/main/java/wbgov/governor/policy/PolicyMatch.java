package wbgov.governor.policy;

import java.util.List;
import wbgov.governor.discover.DeviceInfo;

/**
 * Which policy a device gets, and why: what {@code wbgov policy explain DEVICE} prints.
 *
 * @param device the device asked about
 * @param policy the winning policy, or null when none matched (the device is then not governed)
 * @param reasons why the winner matched: one line per match key that held
 * @param alsoMatched other policies that matched and lost, highest priority first, each with why
 *     it lost
 * @param rejected policies that did not match, each with the first key that failed
 */
public record PolicyMatch(
        DeviceInfo device,
        Policy policy,
        List<String> reasons,
        List<Candidate> alsoMatched,
        List<Candidate> rejected) {

    /**
     * One policy considered for a device.
     *
     * @param policy the policy
     * @param why for a loser: why it lost; for a rejected policy: the key that failed
     */
    public record Candidate(Policy policy, String why) {
    }

    public PolicyMatch {
        reasons = List.copyOf(reasons);
        alsoMatched = List.copyOf(alsoMatched);
        rejected = List.copyOf(rejected);
    }

    public boolean matched() {
        return policy != null;
    }

    /** Whether wbgov governs this device: a policy matched and says govern = true. */
    public boolean governed() {
        return policy != null && policy.govern();
    }

    /** Several lines of plain text, for the CLI. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(device.label()).append(": ");
        if (policy == null) {
            sb.append("no policy matched; not governed\n");
        } else {
            sb.append("policy ").append(policy).append('\n');
            for (String r : reasons) {
                sb.append("  because ").append(r).append('\n');
            }
            sb.append("  limits: ").append(policy.describeLimits()).append('\n');
        }
        for (Candidate c : alsoMatched) {
            sb.append("  also matched ").append(c.policy()).append(": ").append(c.why()).append('\n');
        }
        for (Candidate c : rejected) {
            sb.append("  not ").append(c.policy()).append(": ").append(c.why()).append('\n');
        }
        return sb.toString();
    }
}
