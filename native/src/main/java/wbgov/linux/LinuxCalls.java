package wbgov.linux;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Typed Linux calls for wbgov: each turns a -1 return into a {@link LinuxException} that names
 * the call and errno. Methods used on the NBD request path ({@link #punchHole}, {@link
 * #zeroRange}, {@link #seekData}, {@link #seekHole}) allocate nothing on success.
 */
public final class LinuxCalls {
    private LinuxCalls() {
    }

    /**
     * Locks the process's memory: {@code mlockall(MCL_CURRENT | MCL_FUTURE [| MCL_ONFAULT])}.
     * With {@code onFault} pages are locked as they are first touched rather than populated now:
     * callers touch what must be resident (heap, buffer pool) first.
     */
    public static void mlockall(boolean onFault) throws LinuxException {
        int flags = Libc.MCL_CURRENT | Libc.MCL_FUTURE | (onFault ? Libc.MCL_ONFAULT : 0);
        if (Libc.mlockall(flags) != 0) {
            throw new LinuxException("mlockall", Native.getLastError());
        }
    }

    public static void munlockall() {
        Libc.munlockall();
    }

    /**
     * Marks the calling thread as an I/O flusher ({@code PR_SET_IO_FLUSHER}, Linux 5.6+): its
     * allocations do not recurse into file-system I/O, and its own writes are throttled against
     * the device it writes to only. Per thread. Needs CAP_SYS_RESOURCE, else EPERM.
     */
    public static void setIoFlusher() throws LinuxException {
        if (Libc.prctl(Libc.PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0) {
            throw new LinuxException("prctl(PR_SET_IO_FLUSHER)", Native.getLastError());
        }
    }

    /** {@code PR_GET_IO_FLUSHER} for the calling thread: true when set. */
    public static boolean isIoFlusher() throws LinuxException {
        int r = Libc.prctl(Libc.PR_GET_IO_FLUSHER, 0, 0, 0, 0);
        if (r < 0) {
            throw new LinuxException("prctl(PR_GET_IO_FLUSHER)", Native.getLastError());
        }
        return r == 1;
    }

    /** Deallocates a byte range (reads return zeros); the file keeps its size. */
    public static int punchHole(int fd, long offset, long length) {
        return Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length) == 0
                ? 0 : Native.getLastError();
    }

    /** Zeroes a byte range keeping it allocated. Returns 0 or errno (EOPNOTSUPP where unsupported). */
    public static int zeroRange(int fd, long offset, long length) {
        return Libc.fallocate(fd, Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, offset, length) == 0
                ? 0 : Native.getLastError();
    }

    /** Preallocates a byte range (mode 0). Returns 0 or errno. */
    public static int allocate(int fd, long offset, long length) {
        return Libc.fallocate(fd, 0, offset, length) == 0 ? 0 : Native.getLastError();
    }

    /**
     * {@code lseek(fd, offset, SEEK_DATA)}: the start of the next data region at or after
     * offset; -1 with ENXIO when only a hole follows; a negative errno otherwise.
     */
    public static long seekData(int fd, long offset) {
        long r = Libc.lseek(fd, offset, Libc.SEEK_DATA);
        return r >= 0 ? r : -Native.getLastError();
    }

    /** {@code lseek(fd, offset, SEEK_HOLE)}: the next hole; negative errno on failure. */
    public static long seekHole(int fd, long offset) {
        long r = Libc.lseek(fd, offset, Libc.SEEK_HOLE);
        return r >= 0 ? r : -Native.getLastError();
    }

    /** {@code lseek(fd, 0, SEEK_END)}: the size of a file or block device, or negative errno. */
    public static long seekEnd(int fd) {
        long r = Libc.lseek(fd, 0, 2);
        return r >= 0 ? r : -Native.getLastError();
    }

    /** An anonymous memory-backed file ({@code memfd_create}), close-on-exec. */
    public static int memfdCreate(String name) throws LinuxException {
        int fd = Libc.memfd_create(name, Libc.MFD_CLOEXEC);
        if (fd < 0) {
            throw new LinuxException("memfd_create", Native.getLastError());
        }
        return fd;
    }

    /** Opens a path read-write (or read-only) and returns the raw descriptor, close-on-exec. */
    public static int open(String path, boolean readOnly) throws LinuxException {
        int fd = Libc.open(path, (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new LinuxException("open(" + path + ")", Native.getLastError());
        }
        return fd;
    }

    public static void close(int fd) {
        Libc.close(fd);
    }

    /** {@code fdatasync(fd)}: returns 0 or errno. */
    public static int fdatasync(int fd) {
        return Libc.fdatasync(fd) == 0 ? 0 : Native.getLastError();
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument: returns the result or -errno. */
    public static int ioctl(int fd, long request, long arg) {
        int r = Libc.ioctl(fd, request, arg);
        return r >= 0 ? r : -Native.getLastError();
    }

    /** {@code dup2(oldfd, newfd)}: returns 0 or errno. */
    public static int dup2(int oldfd, int newfd) {
        return Libc.dup2(oldfd, newfd) >= 0 ? 0 : Native.getLastError();
    }

    public static int geteuid() {
        return Libc.geteuid();
    }

    /**
     * The process's locked memory ({@code VmLck} in /proc/self/status), in bytes; -1 when the
     * line is missing.
     */
    public static long lockedBytes() {
        return statusKb("VmLck:") * 1024;
    }

    /** Resident set size ({@code VmRSS}), in bytes; -1 when missing. */
    public static long residentBytes() {
        return statusKb("VmRSS:") * 1024;
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String v = line.substring(key.length()).trim();
                    int sp = v.indexOf(' ');
                    return Long.parseLong(sp < 0 ? v : v.substring(0, sp));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** glibc's {@code struct sigaction} is 152 bytes on x86-64 and aarch64; room to spare. */
    private static final int SIGACTION_BYTES = 256;

    /**
     * Puts {@code signum} back to its default disposition if the process started with it ignored,
     * and says whether it did. The JVM refuses to install a handler for SIGHUP, SIGINT or SIGTERM
     * that was ignored at start-up ({@code nohup} ignores SIGHUP): {@code sun.misc.Signal.handle}
     * then returns without installing anything, so a daemon started under nohup would never see
     * its reload signal. Call before installing the handler; a disposition that is not
     * "ignored" is left alone (it may be the JVM's own handler).
     *
     * @throws LinuxException when sigaction(2) fails
     */
    public static boolean unignoreSignal(int signum) throws LinuxException {
        byte[] old = new byte[SIGACTION_BYTES];
        if (Libc.sigaction(signum, null, old) != 0) {
            throw new LinuxException("sigaction(" + signum + ")", Native.getLastError());
        }
        long handler = java.nio.ByteBuffer.wrap(old, 0, 8).order(java.nio.ByteOrder.nativeOrder()).getLong();
        if (handler != 1) { // SIG_IGN
            return false;
        }
        if (Libc.sigaction(signum, new byte[SIGACTION_BYTES], null) != 0) { // SIG_DFL, empty mask, no flags
            throw new LinuxException("sigaction(" + signum + ", SIG_DFL)", Native.getLastError());
        }
        return true;
    }

    /**
     * {@code syncfs(2)} of the file system that holds {@code fd}: writes back that one file
     * system's dirty data and waits for it, unlike {@code sync(2)}, which does every one.
     * Returns 0 or errno.
     */
    public static int syncfs(int fd) {
        return Libc.syncfs(fd) == 0 ? 0 : Native.getLastError();
    }
}
