package wbgov.governor.actuate;

import java.io.IOException;

/** A knob could not be applied at all (bdi gone, global threshold zero); the message says which and why. */
public final class KnobException extends IOException {
    private static final long serialVersionUID = 1L;

    public KnobException(String message) {
        super(message);
    }

    public KnobException(String message, Throwable cause) {
        super(message, cause);
    }
}
