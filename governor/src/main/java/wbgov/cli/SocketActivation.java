package wbgov.cli;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;
import wbgov.linux.LinuxCalls;

/**
 * systemd socket activation ({@code sd_listen_fds(3)}) for {@code serve}: systemd opens the
 * listening socket and passes it as fd 3, with {@code LISTEN_FDS=1} and {@code LISTEN_PID} set
 * to the server's pid.
 *
 * <p>Java can wrap an inherited socket only as {@link System#inheritedChannel()}, which is fd 0.
 * So fd 3 is duplicated onto fd 0 before the first call (the server has no use for stdin), and
 * the JDK then hands back a {@link ServerSocketChannel} for a TCP or Unix listening socket.
 */
final class SocketActivation {
    private static final int SD_LISTEN_FDS_START = 3;

    private SocketActivation() {
    }

    /**
     * The passed listening socket, or null when this process was not socket-activated.
     *
     * @throws IOException when systemd passed something that is not one listening stream socket
     */
    static ServerSocketChannel listener(Map<String, String> env, long pid) throws IOException {
        String fds = env.get("LISTEN_FDS");
        String forPid = env.get("LISTEN_PID");
        if (fds == null || forPid == null) {
            return null;
        }
        try {
            if (Long.parseLong(forPid.trim()) != pid) {
                return null; // meant for a parent that exec'd us through a wrapper: not ours
            }
            if (Integer.parseInt(fds.trim()) != 1) {
                throw new IOException("socket activation passed " + fds.trim() + " sockets (LISTEN_FDS); serve takes exactly one");
            }
        } catch (NumberFormatException e) {
            throw new IOException("socket activation: LISTEN_FDS=" + fds + ", LISTEN_PID=" + forPid + " are not numbers");
        }
        int err = LinuxCalls.dup2(SD_LISTEN_FDS_START, 0);
        if (err != 0) {
            throw new IOException("socket activation: dup2(3, 0) failed, errno " + err);
        }
        Channel c = System.inheritedChannel();
        if (!(c instanceof ServerSocketChannel s)) {
            throw new IOException("socket activation: fd 3 is not a listening stream socket (got "
                    + (c == null ? "no socket" : c.getClass().getSimpleName()) + "); use ListenStream= in the .socket unit");
        }
        s.configureBlocking(true);
        return s;
    }
}
