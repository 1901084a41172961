package wbgov.linux;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Raw libc entry points, bound with JNA direct mapping ({@link Native#register}).
 *
 * <p>Direct mapping takes primitive arguments without boxing or argument arrays, so the calls a
 * request path makes ({@code fallocate}, {@code lseek}) allocate nothing. Only
 * {@link LinuxCalls} uses this class: it turns return values and errno into typed results.
 * Constants are the x86-64/aarch64 Linux values.
 */
final class Libc {
    static {
        Native.register(Platform.C_LIBRARY_NAME);
    }

    private Libc() {
    }

    static final int MCL_CURRENT = 1;
    static final int MCL_FUTURE = 2;
    static final int MCL_ONFAULT = 4;

    static final int PR_SET_IO_FLUSHER = 57;
    static final int PR_GET_IO_FLUSHER = 58;

    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    static final int MFD_CLOEXEC = 1;

    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;

    static native int mlockall(int flags);

    static native int munlockall();

    static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    static native int fallocate(int fd, int mode, long offset, long len);

    static native long lseek(int fd, long offset, int whence);

    static native int memfd_create(String name, int flags);

    static native int open(String path, int flags, int mode);

    static native int close(int fd);

    static native int fdatasync(int fd);

    static native int geteuid();

    static native int ioctl(int fd, long request, long arg);

    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_NOSIGNAL = 0x4000;

    static native int socket(int domain, int type, int protocol);

    /** {@code addr} is a whole {@code struct sockaddr_un}, built by the caller. */
    static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

    static native int bind(int fd, byte[] addr, int addrlen);

    static native long recv(int fd, byte[] buf, long len, int flags);

    static native int dup2(int oldfd, int newfd);

    /** {@code struct sigaction *} both ways as a byte array (the handler is its first 8 bytes). */
    static native int sigaction(int signum, byte[] act, byte[] oldact);

    static native int syncfs(int fd);
}
