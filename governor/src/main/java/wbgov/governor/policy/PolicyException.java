package wbgov.governor.policy;

import java.util.List;

/**
 * Policies could not be loaded. Carries every error found, not just the first, so an admin
 * fixes a file in one pass; the message lists them one per line in {@code file:line: message}
 * form.
 */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<PolicyError> errors;

    public PolicyException(List<PolicyError> errors) {
        super(render(errors));
        this.errors = List.copyOf(errors);
    }

    public List<PolicyError> errors() {
        return errors;
    }

    private static String render(List<PolicyError> errors) {
        StringBuilder sb = new StringBuilder();
        for (PolicyError e : errors) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(e);
        }
        return sb.toString();
    }
}
