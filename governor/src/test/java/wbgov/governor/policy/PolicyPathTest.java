package wbgov.governor.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /usr/share + /etc overlay: override by name, mask by an empty file or /dev/null. */
class PolicyPathTest {
    @TempDir
    Path dir;

    private static final String POLICY = "[policy]\nname = \"%s\"\npriority = %d\n[match]\n[limits]\ndrain_target = \"2s\"\n";

    private Path write(Path d, String file, String name, int prio) throws Exception {
        Files.createDirectories(d);
        return Files.writeString(d.resolve(file), String.format(POLICY, name, prio));
    }

    @Test
    void etcOverridesShippedByFileNameAndAddsNewOnes() throws Exception {
        Path usr = dir.resolve("usr");
        Path etc = dir.resolve("etc");
        write(usr, "nbd.toml", "nbd", 50);
        write(usr, "usb.toml", "usb", 40);
        Path mine = write(etc, "nbd.toml", "nbd", 90);
        Path extra = write(etc, "site.toml", "site", 10);
        List<Path> files = PolicyPath.system(List.of(usr, etc)).files();
        assertEquals(List.of(mine, extra, usr.resolve("usb.toml")), files, "in file name order");
        PolicySet ps = PolicyPath.system(List.of(usr, etc)).load();
        assertEquals(90, ps.policies().stream().filter(p -> p.name().equals("nbd")).findFirst().orElseThrow().priority());
    }

    @Test
    void anEmptyFileOrDevNullMasksTheShippedOne() throws Exception {
        Path usr = dir.resolve("usr");
        Path etc = Files.createDirectories(dir.resolve("etc"));
        write(usr, "nbd.toml", "nbd", 50);
        write(usr, "usb.toml", "usb", 40);
        write(usr, "ssd.toml", "ssd", 30);
        Files.createFile(etc.resolve("nbd.toml"));
        Files.createSymbolicLink(etc.resolve("usb.toml"), Path.of("/dev/null"));
        assertEquals(List.of(usr.resolve("ssd.toml")), PolicyPath.system(List.of(usr, etc)).files());
    }

    @Test
    void aMissingSystemDirIsSkippedButANamedOneIsAnError() throws Exception {
        Path usr = dir.resolve("usr");
        write(usr, "nbd.toml", "nbd", 50);
        assertEquals(1, PolicyPath.system(List.of(usr, dir.resolve("no-etc"))).files().size());
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyPath.of(List.of(usr, dir.resolve("typo"))).files());
        assertTrue(e.errors().get(0).toString().contains("typo"), e.errors().toString());
    }

    @Test
    void nothingLeftIsAnErrorThatSaysWhy() throws Exception {
        Path usr = dir.resolve("usr");
        Path etc = Files.createDirectories(dir.resolve("etc"));
        write(usr, "nbd.toml", "nbd", 50);
        Files.createFile(etc.resolve("nbd.toml"));
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyPath.system(List.of(usr, etc)).files());
        assertTrue(e.errors().get(0).toString().contains("masked"), e.errors().toString());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(PolicyException.class, () -> PolicyPath.of(List.of(empty)).files());
        assertTrue(e.errors().get(0).toString().contains("no *.toml policy files"), e.errors().toString());
    }
}
