package wbgov.linux;

/** A Linux call failed: carries the call's name and errno, and says both in its message. */
public final class LinuxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public LinuxException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
