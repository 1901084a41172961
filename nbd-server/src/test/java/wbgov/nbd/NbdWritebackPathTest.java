package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.testing.Peers;
import wbgov.nbd.testing.Peers.Result;

/**
 * The write-back path of this machine, end to end: our server ← nbdfuse (the export as a file
 * on FUSE) ← a loop device ← ext4 ← files written, synced, checked by fsck and read back after
 * a fresh mount. Needs root (loop devices, mount) and FUSE; everything it attaches is detached
 * in finally blocks, in reverse order.
 */
class NbdWritebackPathTest {
    private static final long EXPORT_BYTES = 128L << 20;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"memory", "file"})
    void ext4OnLoopOnNbdfuseWritesSyncsFscksAndReadsBack(String kind) throws Exception {
        Peers.requireRoot();
        Peers.requireTool("nbdfuse", "libnbd-bin");
        Peers.requireTool("fusermount3", "fuse3");
        Peers.requireTool("losetup", "util-linux");
        Peers.requireTool("mkfs.ext4", "e2fsprogs");
        Peers.requireTool("fsck.ext4", "e2fsprogs");
        Peers.require(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse (FUSE)");
        Peers.require(Files.exists(Path.of("/dev/loop-control")), "needs loop devices (/dev/loop-control)");

        Path backing = tmp.resolve("backing.img");
        Backend backend = kind.equals("memory") ? FileBackend.memory(EXPORT_BYTES)
                : FileBackend.file(backing, EXPORT_BYTES, false, false);
        Export export = Export.builder(backend).name("wb").build();
        Path fuseDir = Files.createDirectory(tmp.resolve("fuse"));
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        Map<String, String> written = new LinkedHashMap<>();
        long bytesWritten = 0;

        try (NbdServer server = NbdServer.tcp("127.0.0.1", 0, List.of(export), new IoFlusher(false))) {
            String uri = "nbd://127.0.0.1:" + server.port() + "/wb";
            try (Attached a = Attached.attach(uri, fuseDir)) {
                Peers.run(120, "mkfs.ext4", "-q", "-F", a.loop).assertOk("mkfs.ext4");
                mount(a.loop, mnt);
                try {
                    Random r = new Random(42);
                    for (int i = 0; i < 6; i++) {
                        int size = (i + 1) * 1_000_000 + r.nextInt(4096); // 1..6 MB, not block-aligned
                        Path f = mnt.resolve("file-" + i + ".bin");
                        writeRandom(f, size, r);
                        written.put(f.getFileName().toString(), NbdPeersTest.sha256(f));
                        bytesWritten += size;
                    }
                    Files.createDirectories(mnt.resolve("dir/sub"));
                    Files.writeString(mnt.resolve("dir/sub/small.txt"), "written through wbgov's NBD server\n");
                    written.put("dir/sub/small.txt", NbdPeersTest.sha256(mnt.resolve("dir/sub/small.txt")));
                    Peers.run(120, "sync", "-f", mnt.toString()).assertOk("sync -f");
                } finally {
                    umount(mnt);
                }
            }
            long served = export.stats().bytesWritten.get();
            assertTrue(served >= bytesWritten, "the server received the files' bytes: " + served + " < " + bytesWritten);
            assertTrue(export.stats().flushes.get() > 0, "sync reached the server as NBD FLUSH");

            // A fresh nbdfuse and loop device: no page cache left from the writes, every read
            // below comes from the server.
            long readBefore = export.stats().bytesRead.get();
            try (Attached a = Attached.attach(uri, fuseDir)) {
                Result fsck = Peers.run(120, "fsck.ext4", "-fn", a.loop);
                assertEquals(0, fsck.exit(), "fsck.ext4 -fn is clean:\n" + fsck.output());
                mount(a.loop, mnt);
                try {
                    for (Map.Entry<String, String> e : written.entrySet()) {
                        assertEquals(e.getValue(), NbdPeersTest.sha256(mnt.resolve(e.getKey())),
                                e.getKey() + " reads back the same after a fresh mount");
                    }
                } finally {
                    umount(mnt);
                }
            }
            long read = export.stats().bytesRead.get() - readBefore;
            assertTrue(read >= bytesWritten, "the read-back came from the server: " + read + " < " + bytesWritten);
        }

        if (kind.equals("file")) {
            // The backing file itself holds the clean file system, with the server gone.
            Result fsck = Peers.run(120, "fsck.ext4", "-fn", backing.toString());
            assertEquals(0, fsck.exit(), "fsck.ext4 -fn of the backing file:\n" + fsck.output());
        }
    }

    /**
     * The export as a block device: nbdfuse shows it as a file, a loop device sits on that.
     * close() detaches the loop device, unmounts the FUSE file system and ends nbdfuse (by its
     * PID), whatever failed before.
     */
    private static final class Attached implements AutoCloseable {
        final Process fuse;
        final Path fuseDir;
        String loop;

        private Attached(Process fuse, Path fuseDir) {
            this.fuse = fuse;
            this.fuseDir = fuseDir;
        }

        static Attached attach(String uri, Path fuseDir) throws Exception {
            Path image = fuseDir.resolve("disk.img");
            Process p = new ProcessBuilder("nbdfuse", image.toString(), uri).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(fuseDir.resolveSibling("nbdfuse.log").toFile())).start();
            Attached a = new Attached(p, fuseDir);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.exists(image)) {
                    if (!p.isAlive()) {
                        fail("nbdfuse exited with " + p.exitValue() + " before " + image + " appeared:\n"
                                + Files.readString(fuseDir.resolveSibling("nbdfuse.log")));
                    }
                    if (deadline - System.nanoTime() < 0) {
                        fail("nbdfuse did not show " + image + " within 30 s");
                    }
                    p.waitFor(20, TimeUnit.MILLISECONDS);
                }
                assertEquals(EXPORT_BYTES, Files.size(image), "nbdfuse shows the export as a file of its size");
                String dev = Peers.run(30, "losetup", "-f", "--show", image.toString()).assertOk("losetup").output().strip();
                assertTrue(dev.startsWith("/dev/loop"), "losetup printed a device: " + dev);
                a.loop = dev;
                return a;
            } catch (Exception | Error e) {
                a.close();
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            try {
                if (loop != null) {
                    Peers.run(30, "losetup", "-d", loop).assertOk("losetup -d " + loop);
                }
            } finally {
                Peers.run(30, "fusermount3", "-u", fuseDir.toString()); // nbdfuse exits once unmounted
                if (!fuse.waitFor(10, TimeUnit.SECONDS)) {
                    fuse.destroy(); // SIGTERM to this PID only
                    if (!fuse.waitFor(10, TimeUnit.SECONDS)) {
                        fuse.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                    Peers.run(30, "fusermount3", "-u", "-z", fuseDir.toString());
                }
            }
        }
    }

    private static void mount(String dev, Path dir) throws Exception {
        Peers.run(60, "mount", "-t", "ext4", dev, dir.toString()).assertOk("mount " + dev);
    }

    private static void umount(Path dir) throws Exception {
        Peers.run(120, "umount", dir.toString()).assertOk("umount " + dir);
    }

    private static void writeRandom(Path f, int size, Random r) throws IOException {
        byte[] buf = new byte[64 * 1024];
        try (OutputStream o = Files.newOutputStream(f)) {
            for (int done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                o.write(buf, 0, Math.min(buf.length, size - done));
            }
        }
    }
}
