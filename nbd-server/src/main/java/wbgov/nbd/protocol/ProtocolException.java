package wbgov.nbd.protocol;

/**
 * The peer broke the protocol in a way that leaves no safe reply (bad magic, oversized or
 * truncated frame): the connection is closed with this message in the log.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
