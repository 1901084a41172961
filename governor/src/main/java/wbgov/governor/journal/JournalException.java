package wbgov.governor.journal;

import java.io.IOException;

/** The knob journal cannot be read or written; the message names the file (and line). */
public final class JournalException extends IOException {
    private static final long serialVersionUID = 1L;

    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
