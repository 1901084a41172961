package wbgov.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.testing.Peers;

/**
 * Install, upgrade, remove and purge the built .deb with the real dpkg, into a throwaway root
 * (never this host's /usr): {@code dpkg --root=R --force-script-chrootless}. dpkg unpacks,
 * records and removes files and handles conffiles exactly as on a system; the maintainer scripts
 * really run, unchrooted (R has no shell), with DPKG_ROOT=R, so deb-systemd-helper enables and
 * masks the unit inside R; what they do only on a live systemd (daemon-reload, start, restart,
 * stop, 'wbgov restore') is skipped under DPKG_ROOT and is proven by the guest test
 * (GuestSystemdIT), not here. --force-depends: R has no Java runtime installed.
 *
 * <p>The upgrade goes to the same package repacked with a higher version, one conffile the admin
 * edited and the package changed, one the package changed alone, and one file dropped.
 */
class PackageInstallIT {
    private static final String ENABLED = "etc/systemd/system/multi-user.target.wants/wbgov.service";

    @Test
    void installUpgradeRemovePurge(@TempDir Path tmp) throws Exception {
        Peers.requireTool("dpkg", "dpkg");
        long t0 = System.nanoTime();
        Path v1 = DebPackage.deb();

        // The package's control data and content, as dpkg-deb reports them.
        String info = ok("dpkg-deb -I", "dpkg-deb", "-I", v1.toString());
        for (String field : List.of("Package: wbgov", "Architecture: all", "Section: admin", "Priority: optional",
                "Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless", "Recommends: nbd-client")) {
            assertTrue(info.contains(field), "control lacks '" + field + "':\n" + info);
        }
        String conffiles = ok("dpkg-deb -I conffiles", "dpkg-deb", "-I", v1.toString(), "conffiles");
        assertEquals(List.of("/etc/default/wbgov", "/etc/wbgov/nbd/README", "/etc/wbgov/policies/README"),
                conffiles.strip().lines().toList());
        String contents = ok("dpkg-deb -c", "dpkg-deb", "-c", v1.toString());
        for (String p : List.of("./usr/bin/wbgov", "./usr/share/wbgov/jvm-opts.sh", "./usr/share/wbgov/policies/nbd.toml",
                "./usr/share/wbgov/policies/README.md", "./etc/wbgov/policies/README", "./etc/default/wbgov",
                "./lib/systemd/system/wbgov.service", "./lib/systemd/system/wbgov-nbd@.service",
                "./usr/share/man/man8/wbgov.8.gz", "./usr/share/man/man8/wbgov-run.8.gz",
                "./usr/share/bash-completion/completions/wbgov", "./usr/share/doc/wbgov/copyright",
                "./usr/share/doc/wbgov/changelog.gz")) {
            assertTrue(contents.contains(" " + p + "\n"), p + " is not in the package:\n" + contents);
        }
        assertTrue(contents.contains("./usr/share/wbgov/lib/wbgov-governor-"), "no governor jar:\n" + contents);
        assertFalse(contents.contains("bench"), "the package must not hold the benchmarks:\n" + contents);

        Path v2 = repackHigher(v1, tmp.resolve("v2"));
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.createDirectories(root.resolve("var/log"));
        Files.writeString(root.resolve("var/lib/dpkg/status"), "");

        // Install.
        dpkg(root, "-i", v1.toString());
        assertTrue(status(root).contains("Status: install ok installed"), status(root));
        assertTrue(Files.isExecutable(root.resolve("usr/bin/wbgov")));
        try (Stream<Path> jars = Files.list(root.resolve("usr/share/wbgov/lib"))) {
            assertTrue(jars.anyMatch(j -> j.getFileName().toString().startsWith("wbgov-governor-")));
        }
        for (String c : conffiles.strip().lines().toList()) {
            assertTrue(status(root).contains(" " + c + " "), c + " not recorded as a conffile:\n" + status(root));
        }
        // postinst ran: deb-systemd-helper enabled the unit inside the root.
        assertEquals(Path.of("/lib/systemd/system/wbgov.service"), Files.readSymbolicLink(root.resolve(ENABLED)));
        launcherWorks(root);

        // The administrator's files, and state the daemon would leave.
        Path policies = root.resolve("etc/wbgov/policies");
        String override = Files.readString(root.resolve("usr/share/wbgov/policies/nbd.toml")) + "\n# admin: local override\n";
        Files.writeString(policies.resolve("nbd.toml"), override);
        Files.writeString(policies.resolve("usb.toml"), "");
        Path defaults = root.resolve("etc/default/wbgov");
        String adminDefaults = Files.readString(defaults).replace("WBGOV_RUN_OPTS=\"\"", "WBGOV_RUN_OPTS=\"--interval 200\"");
        Files.writeString(defaults, adminDefaults);
        Files.createDirectories(root.resolve("var/lib/wbgov/jna"));
        Files.writeString(root.resolve("var/lib/wbgov/jna/jna123.tmp"), "stub");
        Files.createDirectories(root.resolve("run/wbgov"));
        Files.writeString(root.resolve("run/wbgov/knobs.journal"), "");

        // Upgrade to the higher version.
        dpkg(root, "-i", v2.toString());
        assertTrue(status(root).contains("Version: " + version(v2)), status(root));
        assertEquals(override, Files.readString(policies.resolve("nbd.toml")), "an admin policy changed on upgrade");
        assertEquals("", Files.readString(policies.resolve("usb.toml")), "an admin mask changed on upgrade");
        assertEquals(adminDefaults, Files.readString(defaults), "the admin's /etc/default/wbgov was replaced");
        assertTrue(Files.readString(root.resolve("etc/default/wbgov.dpkg-dist")).contains("# upgrade test"),
                "the new /etc/default/wbgov is not beside the kept one as .dpkg-dist");
        assertTrue(Files.readString(root.resolve("etc/wbgov/nbd/README")).contains("# upgrade test"),
                "an unmodified conffile was not upgraded");
        assertFalse(Files.exists(root.resolve("usr/share/doc/wbgov/examples/nbd0.conf")),
                "a file the new version dropped was left behind");
        assertTrue(Files.isSymbolicLink(root.resolve(ENABLED)), "the upgrade disabled the unit");

        // Remove: program gone, configuration kept, unit masked (postrm).
        dpkg(root, "-r", "wbgov");
        assertTrue(status(root).contains("Status: deinstall ok config-files"), status(root));
        assertFalse(Files.exists(root.resolve("usr/bin/wbgov")));
        assertFalse(Files.exists(root.resolve("usr/share/wbgov")), "usr/share/wbgov left after remove");
        assertFalse(Files.exists(root.resolve("lib/systemd/system/wbgov.service")));
        assertTrue(Files.exists(defaults), "remove must keep conffiles");
        assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(root.resolve("etc/systemd/system/wbgov.service")),
                "postrm remove did not mask the unit");

        // Purge: conffiles, state, enablement and mask gone, and /etc/wbgov with the admin's own
        // policies (purge is the request to remove the configuration; remove keeps it).
        dpkg(root, "-P", "wbgov");
        assertFalse(status(root).contains("Package: wbgov"), status(root));
        for (String gone : List.of("etc/default/wbgov", "etc/default/wbgov.dpkg-dist", "etc/wbgov/policies/README",
                "etc/wbgov/nbd", "etc/wbgov", "var/lib/wbgov", "run/wbgov", "etc/systemd/system/wbgov.service", ENABLED)) {
            assertFalse(Files.exists(root.resolve(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    gone + " is left after purge");
        }
        System.out.println("PackageInstallIT: install, upgrade, remove, purge in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** The installed launcher, pointed at the root (its /usr/share/wbgov and /var/lib/wbgov), runs the CLI. */
    private static void launcherWorks(Path root) throws Exception {
        String launcher = Files.readString(root.resolve("usr/bin/wbgov"))
                .replace("/usr/share/wbgov", root.resolve("usr/share/wbgov").toString())
                .replace("/var/lib/wbgov", root.resolve("var/lib/wbgov").toString());
        assertFalse(launcher.lines().anyMatch(l -> !l.strip().startsWith("#") && l.contains("wbgov.home")),
                "the packaged launcher must not pass -Dwbgov.home");
        Path copy = root.resolve("launcher-under-test");
        Files.writeString(copy, launcher);
        Peers.requireTool("java", "default-jre-headless");
        String version = ok("wbgov --version", "bash", copy.toString(), "--version");
        assertTrue(version.startsWith("wbgov "), version);
        ok("wbgov policy check", "bash", copy.toString(), "policy", "check", root.resolve("usr/share/wbgov/policies").toString());
        for (String checkoutOnly : List.of("bench", "test")) {
            Peers.Result r = Peers.run(60, "bash", copy.toString(), checkoutOnly);
            assertEquals(2, r.exit(), checkoutOnly + ": " + r.output());
            assertTrue(r.output().contains("only in a source checkout"), r.output());
        }
        Files.delete(copy);
    }

    /** v1 repacked as version v1+upgrade1: two conffiles changed, the example file dropped. */
    private static Path repackHigher(Path v1, Path dir) throws Exception {
        ok("dpkg-deb -R", "dpkg-deb", "-R", v1.toString(), dir.toString());
        Path control = dir.resolve("DEBIAN/control");
        String v = version(v1) + "+upgrade1";
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + v));
        for (String conffile : List.of("etc/default/wbgov", "etc/wbgov/nbd/README")) {
            Files.writeString(dir.resolve(conffile), Files.readString(dir.resolve(conffile)) + "# upgrade test\n");
        }
        Files.delete(dir.resolve("usr/share/doc/wbgov/examples/nbd0.conf"));
        // md5sums as dpkg-deb's builders make them
        List<String> sums = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(dir.resolve("DEBIAN"))).sorted().toList()) {
                sums.add(ok("md5sum", "md5sum", f.toString()).split(" ")[0] + "  " + dir.relativize(f));
            }
        }
        Files.writeString(dir.resolve("DEBIAN/md5sums"), String.join("\n", sums) + "\n");
        Path out = dir.resolveSibling("wbgov_" + v + "_all.deb");
        ok("dpkg-deb --build", "dpkg-deb", "--root-owner-group", "--build", dir.toString(), out.toString());
        assertEquals(0, Peers.run(30, "dpkg", "--compare-versions", v, "gt", version(v1)).exit(), v + " is not higher");
        return out;
    }

    private static String version(Path deb) throws Exception {
        return ok("dpkg-deb -f", "dpkg-deb", "-f", deb.toString(), "Version").strip();
    }

    private static void dpkg(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg", "--root=" + root, "--log=" + root.resolve("var/log/dpkg.log"),
                "--force-script-chrootless", "--force-depends", "--force-confold"));
        cmd.addAll(List.of(args));
        Peers.Result r = Peers.run(300, cmd);
        System.out.println("$ dpkg " + String.join(" ", args) + "\n" + r.output());
        r.assertOk(String.join(" ", cmd));
    }

    private static String status(Path root) throws IOException {
        return Files.readString(root.resolve("var/lib/dpkg/status"));
    }

    private static String ok(String what, String... cmd) throws Exception {
        return Peers.run(120, cmd).assertOk(what).output();
    }
}
