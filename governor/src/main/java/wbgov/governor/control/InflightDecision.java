package wbgov.governor.control;

/**
 * What an {@link InflightController} decided on one sample. Mutable, owned by its controller,
 * overwritten by each update (deciding allocates nothing); {@link #toString()} is the log line
 * for a change.
 */
public final class InflightDecision {
    /** Why the limit is what it is. */
    public enum Reason {
        HOLD("unchanged"),
        INITIAL("no measurement yet: initial limit"),
        LOWER("rate × latency target fell"),
        HIGHER("rate × latency target rose"),
        STALLED("requests in flight, none completing: one request");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public boolean changed;
    public long oldBytes;
    public long newBytes;
    public int oldRequests;
    public int newRequests;
    public Reason reason = Reason.HOLD;
    public long timeNs;
    public double rateBytesPerSec;
    public double rateRequestsPerSec;

    @Override
    public String toString() {
        return oldBytes + " B/" + oldRequests + " req → " + newBytes + " B/" + newRequests + " req, " + reason.text()
                + " (" + (long) rateBytesPerSec + " B/s, " + (long) rateRequestsPerSec + " req/s)";
    }
}
