package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.testing.Peers;
import wbgov.nbd.testing.Peers.Result;

/**
 * The server against the real peers from Debian: libnbd's nbdinfo and nbdcopy, qemu's
 * qemu-io and qemu-img, fio's nbd engine. Each test starts its own in-process server on a free
 * port (or a Unix socket) and requires the tools it drives: absent, it is skipped with the
 * package to install (a failure when CI=true).
 */
class NbdPeersTest {
    @TempDir
    Path tmp;

    private final List<NbdServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        for (NbdServer s : servers) {
            s.close();
        }
    }

    private NbdServer serve(Export... exports) throws IOException {
        NbdServer s = NbdServer.tcp("127.0.0.1", 0, List.of(exports), new IoFlusher(false));
        servers.add(s);
        return s;
    }

    private static Export export(Backend b, String name, boolean readOnly) {
        return Export.builder(b).name(name).readOnly(readOnly).build();
    }

    private static String uri(NbdServer s, String name) {
        return "nbd://127.0.0.1:" + s.port() + "/" + name;
    }

    // ---- nbdinfo --------------------------------------------------------------------------

    @Test
    void nbdinfoJsonReportsSizeAndTruthfulFlags() throws Exception {
        Peers.requireTool("nbdinfo", "libnbd-bin");
        NbdServer s = serve(export(FileBackend.memory(96L << 20), "rw", false),
                export(FileBackend.memory(8L << 20), "ro", true));

        String rw = Peers.run(30, "nbdinfo", "--json", uri(s, "rw")).assertOk("nbdinfo --json rw").output();
        assertEquals("100663296", json(rw, "export-size"));
        assertEquals("\"newstyle-fixed\"", json(rw, "protocol"));
        assertEquals("true", json(rw, "structured"));
        for (String flag : new String[] {"can_flush", "can_fua", "can_trim", "can_zero", "can_multi_conn", "can_cache"}) {
            assertEquals("true", json(rw, flag), flag + " on the writable export");
        }
        assertEquals("false", json(rw, "is_read_only"));
        assertTrue(rw.contains("\"base:allocation\""), "base:allocation context offered:\n" + rw);

        String ro = Peers.run(30, "nbdinfo", "--json", uri(s, "ro")).assertOk("nbdinfo --json ro").output();
        assertEquals("8388608", json(ro, "export-size"));
        assertEquals("true", json(ro, "is_read_only"));
        assertEquals("false", json(ro, "can_trim"), "no TRIM advertised on a read-only export");
        assertEquals("false", json(ro, "can_zero"), "no WRITE_ZEROES advertised on a read-only export");
        assertEquals("true", json(ro, "can_flush"));
    }

    @Test
    void nbdinfoListNamesEveryExport() throws Exception {
        Peers.requireTool("nbdinfo", "libnbd-bin");
        NbdServer s = serve(Export.builder(FileBackend.memory(4L << 20)).name("alpha").description("first disk").build(),
                export(FileBackend.memory(2L << 20), "beta", true));
        String out = Peers.run(30, "nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + s.port())
                .assertOk("nbdinfo --list").output();
        assertTrue(out.contains("\"export-name\": \"alpha\""), out);
        assertTrue(out.contains("\"export-name\": \"beta\""), out);
        assertTrue(out.contains("\"description\": \"first disk\""), out);
        assertTrue(out.contains("\"export-size\": 4194304") && out.contains("\"export-size\": 2097152"), out);
    }

    @Test
    void nbdinfoMapShowsWrittenDataAmongHoles() throws Exception {
        Peers.requireTool("nbdinfo", "libnbd-bin");
        Peers.requireTool("qemu-io", "qemu-utils");
        NbdServer s = serve(export(FileBackend.memory(64L << 20), "m", false));
        String u = uri(s, "m");
        Peers.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0xab 1M 64k", "-c", "write -P 0xcd 8M 1M",
                "-c", "discard 8M 512k", u).assertOk("qemu-io write");
        String map = Peers.run(30, "nbdinfo", "--map", u).assertOk("nbdinfo --map").output();
        List<String> rows = new ArrayList<>();
        for (String line : map.strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            rows.add(f[0] + " " + f[1] + " " + f[2]);
        }
        assertEquals(List.of(
                "0 1048576 3",
                "1048576 65536 0",
                "1114112 7798784 3", // hole up to 8M and the discarded half
                "8912896 524288 0",
                "9437184 57671680 3").toString(),
                mergeSameType(rows).toString(), "extents (offset length type):\n" + map);
    }

    /** nbdinfo prints what the server sent; adjacent runs of one type are one extent to us. */
    private static List<String> mergeSameType(List<String> rows) {
        List<String> out = new ArrayList<>();
        long off = -1;
        long len = 0;
        String type = null;
        for (String r : rows) {
            String[] f = r.split(" ");
            if (f[2].equals(type)) {
                len += Long.parseLong(f[1]);
                continue;
            }
            if (type != null) {
                out.add(off + " " + len + " " + type);
            }
            off = Long.parseLong(f[0]);
            len = Long.parseLong(f[1]);
            type = f[2];
        }
        out.add(off + " " + len + " " + type);
        return out;
    }

    // ---- nbdcopy --------------------------------------------------------------------------

    @Test
    void nbdcopyRoundTripsRandomData() throws Exception {
        Peers.requireTool("nbdcopy", "libnbd-bin");
        long size = 64L << 20;
        Path src = randomFile("src.img", size, 11);
        NbdServer s = serve(export(FileBackend.memory(size), "c", false));
        Path back = tmp.resolve("back.img");
        Peers.run(120, "nbdcopy", src.toString(), uri(s, "c")).assertOk("nbdcopy file → nbd");
        Peers.run(120, "nbdcopy", uri(s, "c"), back.toString()).assertOk("nbdcopy nbd → file");
        assertEquals(sha256(src), sha256(back), "SHA-256 after the round trip");
    }

    @Test
    void nbdcopyRoundTripsWithFourConnectionsOverAUnixSocket() throws Exception {
        Peers.requireTool("nbdcopy", "libnbd-bin");
        long size = 64L << 20;
        Path src = randomFile("src.img", size, 12);
        // nbdcopy caps connections at its thread count (default: the number of cores).
        Export e = export(FileBackend.memory(size), "", false);
        Path sock = tmp.resolve("nbd.sock");
        NbdServer s = NbdServer.unix(sock, List.of(e), new IoFlusher(false));
        servers.add(s);
        String u = "nbd+unix:///?socket=" + sock;
        Path back = tmp.resolve("back.img");
        Peers.run(120, "nbdcopy", "--connections=4", "--threads=4", "--requests=32", "--request-size=262144", src.toString(), u)
                .assertOk("nbdcopy --connections=4 file → nbd");
        long opened = e.stats().connectionsOpened.get();
        assertTrue(opened >= 4, "nbdcopy used several connections (CAN_MULTI_CONN), opened " + opened);
        Peers.run(120, "nbdcopy", "--connections=4", "--threads=4", "--requests=64", u, back.toString())
                .assertOk("nbdcopy --connections=4 nbd → file");
        assertEquals(sha256(src), sha256(back), "SHA-256 after the round trip");
    }

    // ---- qemu -----------------------------------------------------------------------------

    @Test
    void qemuIoWritesAndVerifiesPatterns() throws Exception {
        Peers.requireTool("qemu-io", "qemu-utils");
        NbdServer s = serve(export(FileBackend.memory(32L << 20), "q", false));
        String u = uri(s, "q");
        Peers.run(60, "qemu-io", "-f", "raw",
                "-c", "write -P 0xab 0 1M",
                "-c", "write -P 0xcd -f 1M 1M", // FUA
                "-c", "write -P 0x11 3000 5000", // unaligned
                "-c", "write -z 4M 2M", // WRITE_ZEROES
                "-c", "write -P 0xee 8M 1M",
                "-c", "discard 8M 1M", // TRIM
                "-c", "flush", u).assertOk("qemu-io write");
        // A second client (a new connection) sees every pattern.
        String out = Peers.run(60, "qemu-io", "-f", "raw",
                "-c", "read -P 0xab 0 3000",
                "-c", "read -P 0x11 3000 5000",
                "-c", "read -P 0xab 8000 1040576",
                "-c", "read -P 0xcd 1M 1M",
                "-c", "read -P 0 4M 2M",
                "-c", "read -P 0 8M 1M", u).assertOk("qemu-io read").output();
        assertFalse(out.contains("Pattern verification failed"), out);
        assertEquals(6, count(out, "read "), "six verified reads:\n" + out);
        // The check itself can fail: a wrong pattern is reported.
        String wrong = Peers.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0xab 1M 4k", u).output();
        assertTrue(wrong.contains("Pattern verification failed"), "qemu-io detects a wrong pattern:\n" + wrong);
    }

    @Test
    void qemuImgConvertAndCompare() throws Exception {
        Peers.requireTool("qemu-img", "qemu-utils");
        long size = 16L << 20;
        Path src = randomFile("src.img", size, 13);
        NbdServer s = serve(export(FileBackend.memory(size), "i", false));
        String u = uri(s, "i");
        Peers.run(60, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", src.toString(), u).assertOk("qemu-img convert");
        Result same = Peers.run(60, "qemu-img", "compare", "-f", "raw", "-F", "raw", src.toString(), u);
        assertEquals(0, same.exit(), "qemu-img compare: identical\n" + same.output());
        // And compare does notice a difference.
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 5_000_000);
        }
        Result diff = Peers.run(60, "qemu-img", "compare", "-f", "raw", "-F", "raw", src.toString(), u);
        assertEquals(1, diff.exit(), "qemu-img compare: different\n" + diff.output());
    }

    // ---- nbdsh (libnbd from Python): errors as a real client sees them ---------------------

    @Test
    void nbdshSeesTheSpecErrnosAndOneStoreAcrossConnections() throws Exception {
        Peers.requireTool("nbdsh", "libnbd-bin and python3-libnbd");
        NbdServer s = serve(export(FileBackend.memory(8L << 20), "rw", false), export(FileBackend.memory(1L << 20), "ro", true));
        String script = String.join("\n",
                "import errno",
                "def err(f):",
                "    try:",
                "        f()",
                "        return 'ok'",
                "    except nbd.Error as e:",
                "        return errno.errorcode.get(e.errno, str(e.errno))",
                // libnbd checks bounds and read-only itself unless strict mode is off.
                "h.set_strict_mode(0)",
                "size = h.get_size()",
                "print('read-past-end', err(lambda: h.pread(4096, size - 2048)))",
                "print('write-past-end', err(lambda: h.pwrite(b'x' * 4096, size - 2048)))",
                "print('trim-past-end', err(lambda: h.trim(4096, size)))",
                "print('fast-zero', err(lambda: h.zero(65536, 0, nbd.CMD_FLAG_FAST_ZERO)))",
                "print('cache', err(lambda: h.cache(65536, 0)))",
                "print('fua-write', err(lambda: h.pwrite(b'y' * 512, 0, nbd.CMD_FLAG_FUA)))",
                // Multi-conn: a second connection sees a flushed write of the first at once.
                "h2 = nbd.NBD()",
                "h2.connect_uri(URI_RW)",
                "h.pwrite(b'\\xa5' * 65536, 1 << 20)",
                "h.flush()",
                "print('second-connection', 'same' if h2.pread(65536, 1 << 20) == b'\\xa5' * 65536 else 'DIFFERENT')",
                "ro = nbd.NBD()",
                "ro.set_strict_mode(0)",
                "ro.connect_uri(URI_RO)",
                "print('ro-write', err(lambda: ro.pwrite(b'z' * 512, 0)))",
                "print('ro-trim', err(lambda: ro.trim(512, 0)))",
                "print('ro-read', err(lambda: ro.pread(512, 0)))");
        Path py = tmp.resolve("errors.py");
        Files.writeString(py, "URI_RW = " + pyString(uri(s, "rw")) + "\nURI_RO = " + pyString(uri(s, "ro"))
                + "\nh = nbd.NBD()\nh.connect_uri(URI_RW)\n" + script + "\n");
        Result r = Peers.run(60, "nbdsh", "-n", "-c", "exec(open(" + pyString(py.toString()) + ").read())");
        String out = r.assertOk("nbdsh").output();
        assertEquals(String.join("\n",
                "read-past-end EINVAL",
                "write-past-end EINVAL",
                "trim-past-end EINVAL",
                "fast-zero ok",
                "cache ok",
                "fua-write ok",
                "second-connection same",
                "ro-write EPERM",
                "ro-trim EPERM",
                "ro-read ok"), out.strip());
    }

    private static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ---- fio ------------------------------------------------------------------------------

    @Test
    void fioNbdEngineRandomWritesVerifyWithCrc32c() throws Exception {
        Peers.requireTool("fio", "fio");
        long size = 32L << 20;
        NbdServer s = serve(export(FileBackend.memory(size), "f", false));
        Path json = tmp.resolve("fio.json");
        Result r = Peers.run(120, "fio", "--name=verify", "--ioengine=nbd", "--uri=" + uri(s, "f"),
                "--rw=randwrite", "--bs=4k", "--size=" + size, "--iodepth=16", "--verify=crc32c",
                "--do_verify=1", "--verify_fatal=1", "--verify_state_save=0", // no state file in the cwd
                "--output-format=json", "--output=" + json);
        String out = Files.exists(json) ? Files.readString(json) : "";
        assertEquals(0, r.exit(), "fio failed:\n" + r.output() + "\n" + out);
        assertEquals("0", jsonAfter(out, "\"jobname\"", "error"), "fio job error");
        long written = Long.parseLong(jsonAfter(out, "\"write\"", "io_bytes"));
        long verified = Long.parseLong(jsonAfter(out, "\"read\"", "io_bytes"));
        assertEquals(size, written, "fio wrote the whole export");
        assertEquals(size, verified, "fio read everything back to verify it");
    }

    // ---- file backend: FUA and FLUSH reach the file ---------------------------------------

    @Test
    void fuaAndFlushWritesReachTheBackingFile() throws Exception {
        Peers.requireTool("qemu-io", "qemu-utils");
        Path img = tmp.resolve("disk.img");
        Export e = export(FileBackend.file(img, 8L << 20, false, false), "file", false);
        NbdServer s = serve(e);
        assertEquals(8L << 20, Files.size(img), "size= created the file");
        Peers.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x5a -f 0 1M", "-c", "write -P 0x6b 2M 64k",
                "-c", "flush", uri(s, "file")).assertOk("qemu-io write -f");
        assertTrue(e.stats().flushes.get() >= 1, "the FLUSH reached the server");
        // Read the backing file itself, behind the server's back.
        byte[] got = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(got), 0);
            byte[] want = new byte[1 << 20];
            Arrays.fill(want, (byte) 0x5a);
            assertArrayEquals(want, got, "FUA write is in the backing file");
            byte[] second = new byte[64 * 1024];
            ch.read(ByteBuffer.wrap(second), 2L << 20);
            byte[] want2 = new byte[64 * 1024];
            Arrays.fill(want2, (byte) 0x6b);
            assertArrayEquals(want2, second, "flushed write is in the backing file");
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private Path randomFile(String name, long size, long seed) throws IOException {
        Path p = tmp.resolve(name);
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(p)) {
            for (long done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                o.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
        return p;
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            while (ch.read(b.clear()) > 0) {
                md.update(b.flip());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The raw value of the first {@code "key": value} in a JSON text (no JSON library needed). */
    static String json(String text, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*([^,\\n}\\]]+)").matcher(text);
        if (!m.find()) {
            fail("no \"" + key + "\" in:\n" + text);
        }
        return m.group(1).trim();
    }

    /** The value of the first {@code key} after the first occurrence of {@code anchor}. */
    static String jsonAfter(String text, String anchor, String key) {
        int i = text.indexOf(anchor);
        assertNotEquals(-1, i, "no " + anchor + " in:\n" + text);
        return json(text.substring(i), key);
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }
}
