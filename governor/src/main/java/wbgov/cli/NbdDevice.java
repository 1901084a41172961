package wbgov.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import wbgov.linux.Executables;

/**
 * One kernel NBD device ({@code /dev/nbdX}) as {@code attach} and {@code detach} see it: its
 * names, whether the kernel client exists, whether the device is connected or in use, and
 * {@code nbd-client}, which connects and disconnects it.
 *
 * <p>Driving {@code nbd-client} is deliberate: it is the tool operators know, it speaks the
 * kernel's netlink interface (and falls back to ioctls), and its messages are the ones in every
 * NBD how-to. Everything here runs before or after serving, never in the I/O path.
 */
final class NbdDevice {
    private static final Pattern NAME = Pattern.compile("nbd[0-9]+");
    static final Path RUN_DIR = Path.of(System.getProperty("wbgov.rundir", "/run/wbgov"));

    final String name;
    final Path dev;
    final Path sys;

    private NbdDevice(String name) {
        this.name = name;
        this.dev = Path.of("/dev", name);
        this.sys = Path.of("/sys/block", name);
    }

    /** "nbd0", "/dev/nbd0". Anything else is a user error. */
    static NbdDevice parse(String device) {
        String n = device.startsWith("/dev/") ? device.substring(5) : device;
        if (!NAME.matcher(n).matches()) {
            throw new IllegalArgumentException(device + " is not an NBD device (expected /dev/nbdN)");
        }
        return new NbdDevice(n);
    }

    Path pidFile() {
        return RUN_DIR.resolve(name + ".pid");
    }

    Path socket() {
        return RUN_DIR.resolve(name + ".sock");
    }

    /**
     * Fails with a message an operator can act on when this kernel has no NBD client: tries
     * {@code modprobe nbd} once (which fails where module loading is off), then explains.
     */
    void requireKernelClient() throws IOException {
        if (!Files.isDirectory(Path.of("/sys/module/nbd"))) {
            String why = "";
            Path modprobe = Executables.which("modprobe");
            if (modprobe != null) {
                Exec r = Exec.run(30, List.of(modprobe.toString(), "nbd"));
                why = r.exit == 0 ? "" : " and 'modprobe nbd' failed: " + r.output.trim();
            } else {
                why = " and modprobe is not installed";
            }
            if (!Files.isDirectory(Path.of("/sys/module/nbd"))) {
                throw new IOException("the kernel NBD client is not available: /sys/module/nbd is absent" + why
                        + ". This kernel (" + uname() + ") has no nbd.ko or cannot load modules, so /dev/nbdX "
                        + "cannot be attached here. Use a kernel with CONFIG_BLK_DEV_NBD, or serve the export "
                        + "with 'wbgov serve' and reach it through nbdfuse and a loop device.");
            }
        }
        if (!Files.isDirectory(sys) || !Files.exists(dev)) {
            String n;
            try {
                n = Files.readString(Path.of("/sys/module/nbd/parameters/nbds_max")).trim();
            } catch (IOException e) {
                n = "?";
            }
            throw new IOException(dev + " does not exist (nbd.ko is loaded with nbds_max=" + n
                    + "; load it with a larger nbds_max for more devices)");
        }
    }

    /** True while the kernel has a connection for this device (its "pid" attribute exists). */
    boolean connected() {
        return Files.exists(sys.resolve("pid"));
    }

    /** Mount points and block-layer holders (md, dm) using this device: empty when it is idle. */
    List<String> users() {
        List<String> u = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 1 && (f[0].equals(dev.toString()) || f[0].startsWith(dev + "p"))) {
                    u.add("mounted on " + f[1]);
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to report
        }
        try (var s = Files.list(sys.resolve("holders"))) {
            s.forEach(h -> u.add("held by " + h.getFileName()));
        } catch (IOException e) {
            // no holders directory
        }
        return u;
    }

    /** The live wbgov process recorded in the pid file, or -1. */
    long ownerPid() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile()).trim());
            String cmd = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
            return cmd.contains("wbgov") && cmd.contains("attach") ? pid : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static Path requireNbdClient() throws IOException {
        Path p = Executables.which("nbd-client");
        if (p == null) {
            throw new IOException("nbd-client is not installed (Debian package nbd-client): attach uses it to "
                    + "connect the kernel client");
        }
        return p;
    }

    /** {@code nbd-client -d}: the kernel sends NBD_CMD_DISC after what is in flight. */
    Exec disconnect() throws IOException {
        return Exec.run(60, List.of(requireNbdClient().toString(), "-d", dev.toString()));
    }

    private static String uname() {
        try {
            return "Linux " + Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "Linux";
        }
    }

    /** A finished helper command: exit status and output (stdout and stderr together). */
    record Exec(int exit, String output) {
        static Exec run(long timeoutSeconds, List<String> cmd) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Process p = pb.start();
            try {
                byte[] out;
                // Output is short (a few lines); read it all, bounded by the timeout below.
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
                }
                out = p.getInputStream().readAllBytes();
                return new Exec(p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + String.join(" ", cmd), e);
            }
        }
    }
}
