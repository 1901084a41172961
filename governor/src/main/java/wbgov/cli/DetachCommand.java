package wbgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wbgov detach DEVICE}: flushes and disconnects a device that {@code wbgov attach}
 * connected, then ends that attach process (its server) and waits for it. Refuses while the
 * device is mounted or held (md, dm) unless {@code --force}: disconnecting under a file system
 * loses what it has not written.
 */
@Command(name = "detach", mixinStandardHelpOptions = true, description = {"Disconnect DEVICE (attached with 'wbgov attach') and stop its server."})
public final class DetachCommand implements Callable<Integer> {
    @Option(names = "--force", description = "disconnect even while the device is mounted or held")
    boolean force;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "how long to wait for the server to stop (default 60)")
    int waitSeconds = 60;

    @Parameters(paramLabel = "DEVICE", description = "/dev/nbdN")
    String device;

    @Override
    public Integer call() throws Exception {
        NbdDevice d = NbdDevice.parse(device);
        long pid = d.ownerPid();
        if (pid < 0) {
            Files.deleteIfExists(d.pidFile()); // stale: no live attach behind it
            if (d.connected()) {
                throw new IOException(d.dev + " is connected, but not by 'wbgov attach' (no live pid in " + d.pidFile()
                        + "); disconnect it with nbd-client -d " + d.dev);
            }
            throw new IOException(d.dev + " is not attached");
        }
        List<String> users = d.users();
        if (!users.isEmpty() && !force) {
            throw new IOException(d.dev + " is in use (" + String.join(", ", users)
                    + "): unmount or stop it first, or detach --force");
        }
        if (d.connected()) {
            AttachCommand.flushDevice(d.dev);
            NbdDevice.Exec x = d.disconnect();
            if (x.exit() != 0 && d.connected()) {
                throw new IOException("nbd-client -d " + d.dev + " failed (exit " + x.exit() + "): " + x.output().trim());
            }
            AttachCommand.waitDisconnected(d, 30);
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isPresent()) {
            p.get().destroy(); // SIGTERM: the attach process stops its server and removes its pid file
            try {
                p.get().onExit().get(waitSeconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IOException("the attach process " + pid + " did not stop within " + waitSeconds + " s");
            }
        }
        System.out.println("detached " + d.dev);
        return 0;
    }
}
