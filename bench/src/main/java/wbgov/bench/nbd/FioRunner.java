package wbgov.bench.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import wbgov.bench.rig.Sh;
import wbgov.linux.Executables;

/**
 * Runs fio's nbd engine against one server: one job per run, its JSON kept in {@code jsonDir}
 * as {@code ID-SERVER.json}, its console output in {@code log} (shown when it fails).
 */
final class FioRunner {
    private final NbdOptions o;
    private final Path fio;
    private final Path jsonDir;
    private final Path log;

    FioRunner(NbdOptions o, Path jsonDir, Path log) {
        this.o = o;
        this.fio = Executables.which("fio");
        this.jsonDir = jsonDir;
        this.log = log;
    }

    /** Fills the server's export once, sequentially (untimed: the whole size). */
    void prefill(ServerUnderTest s) throws Exception {
        run(s, FioJob.PREFILL, FioJob.PREFILL.id(), false);
    }

    /** Round {@code round} (from 0) of a job; for our server with its allocation per request. */
    FioResult run(ServerUnderTest s, FioJob j, int round) throws Exception {
        String id = j.id() + "-r" + (round + 1);
        if (s.control == null) {
            return run(s, j, id, true);
        }
        AllocProbe probe = AllocProbe.start(s, o);
        FioResult r = run(s, j, id, true);
        return r.withAlloc(probe.bytesPerRequest());
    }

    private FioResult run(ServerUnderTest s, FioJob j, String id, boolean timed) throws Exception {
        Path json = jsonDir.resolve(id + "-" + s.fileName() + ".json");
        Process p = new ProcessBuilder(command(fio, o, s.uri, j, id, timed, json)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(o.runtimeSeconds() + o.rampSeconds() + 120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("fio timed out on " + s.name + " (" + id + ")");
        }
        if (p.exitValue() != 0) {
            throw new IOException("fio failed on " + s.name + " (" + id + "), exit " + p.exitValue() + ":\n"
                    + Files.readString(log) + (Files.exists(json) ? Files.readString(json) : ""));
        }
        try {
            return FioResult.parse(Files.readString(json), j.read());
        } catch (IllegalArgumentException e) {
            throw new IOException(json + ": " + e.getMessage(), e);
        }
    }

    /** fio's command line for one job; timed jobs run {@link NbdOptions#runtimeSeconds()} after the ramp. */
    static List<String> command(Path fio, NbdOptions o, String uri, FioJob j, String id, boolean timed, Path json) {
        List<String> cmd = new ArrayList<>(List.of(fio.toString(), "--name=" + id, "--ioengine=nbd",
                "--uri=" + uri, "--rw=" + j.rw(), "--bs=" + j.bs(), "--iodepth=" + j.depth(), "--size=" + o.sizeBytes(),
                "--output-format=json", "--output=" + json));
        if (timed) {
            cmd.addAll(List.of("--time_based", "--runtime=" + o.runtimeSeconds(), "--ramp_time=" + o.rampSeconds()));
        }
        return cmd;
    }

    /** fio's version ("3.33"), "?" when it does not say. */
    static String version() {
        try {
            return Sh.run(Executables.which("fio").toString(), "--version").replaceFirst("^fio-", "");
        } catch (IOException e) {
            return "?";
        }
    }
}
