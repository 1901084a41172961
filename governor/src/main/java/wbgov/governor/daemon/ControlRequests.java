package wbgov.governor.daemon;

/**
 * The daemon's control socket ({@code <state>/control.sock}, mode 0600: root only), one request a
 * connection, for what changes what the daemon does — today {@code wbgov drain}'s hold:
 * <pre>
 *   drain BDI LEASE_MS   hold BDI at its floor, strict, for LEASE_MS from the next tick
 *   release BDI          hand it back to the law now
 * </pre>
 * Answers "ok" or "error: why". The status socket stays read-only; this one is separate so that
 * reading status can be granted to a group without granting this.
 */
public final class ControlRequests {
    private ControlRequests() {
    }

    public static String serve(Governor gov, String request) {
        String[] w = request.trim().split("\\s+");
        try {
            if (w.length == 3 && w[0].equals("drain")) {
                return answer(gov.drain(w[1], Long.parseLong(w[2]) * 1_000_000L));
            }
            if (w.length == 2 && w[0].equals("release")) {
                return answer(gov.drain(w[1], 0));
            }
        } catch (NumberFormatException e) {
            // below
        }
        return "error: unknown request '" + request.trim() + "' (drain BDI LEASE_MS | release BDI)\n";
    }

    private static String answer(String error) {
        return error == null ? "ok\n" : "error: " + error + "\n";
    }
}
