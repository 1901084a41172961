package wbgov.bench.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel state a scenario may change, saved so it can be put back exactly: the global dirty
 * limits in both forms, and the knobs of every bdi the scenario touches.
 *
 * <p>Why both forms: {@code vm.dirty_bytes} and {@code vm.dirty_ratio} exclude each other
 * (writing one zeroes the other), and likewise the background pair; a tool that saves only the
 * one it writes cannot roll back. The saved form is the non-zero one, and it is the one written
 * back. Bdi knobs: {@code max_ratio_fine}, {@code min_ratio_fine} (parts per million; the byte
 * knobs are stored as this ratio and whole-percent {@code max_ratio} hides small values) and
 * {@code strict_limit}; on kernels without the fine knobs, {@code max_ratio}/{@code min_ratio}.
 * Restored in an order the kernel accepts: min to 0, then max, then min, then strict.
 *
 * <p>{@link #differences()} compares the live values with the saved ones; it is how tests prove
 * that a run left nothing behind. Registered with {@link Teardown}: Ctrl-C restores too.
 */
public final class KernelSnapshot implements AutoCloseable {
    /** Global knobs saved, in restore order (the ratio forms before the byte forms is irrelevant: one is 0). */
    public static final List<String> VM_KNOBS = List.of("dirty_bytes", "dirty_ratio", "dirty_background_bytes",
            "dirty_background_ratio");

    private final Path proc;
    private final Path sys;
    private final Map<String, String> vm = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> bdis = new LinkedHashMap<>();
    private final Teardown.Handle teardown;
    private final MachineLock lock;

    private KernelSnapshot(Path proc, Path sys, MachineLock lock) throws IOException {
        this.proc = proc;
        this.sys = sys;
        this.lock = lock;
        for (String k : VM_KNOBS) {
            vm.put(k, Sh.read(vmKnob(k)));
        }
        this.teardown = Teardown.register("kernel snapshot (vm.dirty_* and bdi knobs)", this::restoreAndUnlock);
    }

    /**
     * Takes the machine-wide bench lock (waiting for another benchmark or end-to-end test to
     * finish, up to {@link MachineLock#DEFAULT_WAIT_NS}), then saves the global dirty limits; add
     * bdis with {@link #bdi(String)} before touching them. Two runs that both change
     * {@code vm.dirty_bytes} would each save the other's value as "original" and restore it.
     */
    public static KernelSnapshot take() throws IOException {
        MachineLock lock = MachineLock.acquire(MachineLock.DEFAULT_WAIT_NS);
        try {
            return new KernelSnapshot(Path.of("/proc"), Path.of("/sys"), lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** For tests on a fake tree (no lock). */
    static KernelSnapshot take(Path procRoot, Path sysRoot) throws IOException {
        return new KernelSnapshot(procRoot, sysRoot, null);
    }

    private void restoreAndUnlock() throws IOException {
        try {
            restore();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Path vmKnob(String k) {
        return proc.resolve("sys/vm").resolve(k);
    }

    private Path bdiDir(String bdi) {
        return sys.resolve("class/bdi").resolve(bdi);
    }

    /** Knob names of a bdi this snapshot keeps (fine ratios where the kernel has them). */
    private List<String> knobNames(String bdi) {
        List<String> names = new ArrayList<>();
        boolean fine = Files.exists(bdiDir(bdi).resolve("max_ratio_fine"));
        names.add(fine ? "min_ratio_fine" : "min_ratio");
        names.add(fine ? "max_ratio_fine" : "max_ratio");
        if (Files.exists(bdiDir(bdi).resolve("strict_limit"))) {
            names.add("strict_limit");
        }
        return names;
    }

    /** Saves a bdi's knobs now, unless already saved (the first value is the original). */
    public synchronized KernelSnapshot bdi(String bdi) throws IOException {
        if (!bdis.containsKey(bdi)) {
            bdis.put(bdi, readBdi(bdi));
        }
        return this;
    }

    /** The bdis saved. */
    public synchronized List<String> bdis() {
        return List.copyOf(bdis.keySet());
    }

    /** A bdi's knobs as they are now (the ones this snapshot keeps). */
    public Map<String, String> readBdi(String bdi) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : knobNames(bdi)) {
            m.put(k, Sh.read(bdiDir(bdi).resolve(k)));
        }
        return m;
    }

    /** The saved global values. */
    public Map<String, String> savedVm() {
        return Map.copyOf(vm);
    }

    /** The saved values of a bdi, null when not saved. */
    public synchronized Map<String, String> saved(String bdi) {
        Map<String, String> m = bdis.get(bdi);
        return m == null ? null : Map.copyOf(m);
    }

    /** Sets {@code vm.dirty_bytes} (which zeroes vm.dirty_ratio). Restored by {@link #restore()}. */
    public void setDirtyBytes(long bytes) throws IOException {
        Sh.write(vmKnob("dirty_bytes"), Long.toString(bytes));
    }

    /** Sets {@code vm.dirty_background_bytes} (which zeroes vm.dirty_background_ratio). */
    public void setDirtyBackgroundBytes(long bytes) throws IOException {
        Sh.write(vmKnob("dirty_background_bytes"), Long.toString(bytes));
    }

    /** Sets a bdi knob by name (max_bytes, min_bytes, strict_limit…), saving the bdi first. */
    public void setBdiKnob(String bdi, String knob, String value) throws IOException {
        bdi(bdi);
        Sh.write(bdiDir(bdi).resolve(knob), value);
    }

    /**
     * Every live value that differs from the saved one, as "what: saved → now" lines; empty when
     * the kernel is back where it was. A bdi that vanished is skipped (nothing left to restore).
     */
    public synchronized List<String> differences() throws IOException {
        List<String> out = new ArrayList<>();
        for (String k : VM_KNOBS) {
            String now = Sh.read(vmKnob(k));
            if (!now.equals(vm.get(k))) {
                out.add("vm." + k + ": " + vm.get(k) + " → " + now);
            }
        }
        for (Map.Entry<String, Map<String, String>> e : bdis.entrySet()) {
            if (!Files.isDirectory(bdiDir(e.getKey()))) {
                continue;
            }
            Map<String, String> now = readBdi(e.getKey());
            for (Map.Entry<String, String> k : e.getValue().entrySet()) {
                if (!k.getValue().equals(now.get(k.getKey()))) {
                    out.add("bdi " + e.getKey() + " " + k.getKey() + ": " + k.getValue() + " → " + now.get(k.getKey()));
                }
            }
        }
        return out;
    }

    /** Puts the global limits and every saved bdi back. Throws after trying all, naming each failure. */
    public synchronized void restore() throws IOException {
        List<String> failures = new ArrayList<>();
        restoreVm("dirty_bytes", "dirty_ratio", failures);
        restoreVm("dirty_background_bytes", "dirty_background_ratio", failures);
        for (String bdi : bdis.keySet()) {
            try {
                restoreBdi(bdi);
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new IOException("kernel snapshot restore: " + String.join("; ", failures));
        }
    }

    /** Writes the saved non-zero form of a pair (bytes, ratio) back; the kernel zeroes the other. */
    private void restoreVm(String bytesKnob, String ratioKnob, List<String> failures) {
        String b = vm.get(bytesKnob);
        String r = vm.get(ratioKnob);
        try {
            if (!b.equals("0")) {
                Sh.write(vmKnob(bytesKnob), b);
            } else {
                Sh.write(vmKnob(ratioKnob), r);
            }
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
    }

    /** Puts one saved bdi back (min to 0, max, min, strict); a vanished bdi is skipped. */
    public synchronized void restoreBdi(String bdi) throws IOException {
        Map<String, String> saved = bdis.get(bdi);
        if (saved == null || !Files.isDirectory(bdiDir(bdi))) {
            return;
        }
        Path dir = bdiDir(bdi);
        String minKnob = saved.containsKey("min_ratio_fine") ? "min_ratio_fine" : "min_ratio";
        String maxKnob = saved.containsKey("max_ratio_fine") ? "max_ratio_fine" : "max_ratio";
        Sh.write(dir.resolve(minKnob), "0");
        Sh.write(dir.resolve(maxKnob), saved.get(maxKnob));
        if (!saved.get(minKnob).equals("0")) {
            Sh.write(dir.resolve(minKnob), saved.get(minKnob));
        }
        if (saved.containsKey("strict_limit")) {
            Sh.write(dir.resolve("strict_limit"), saved.get("strict_limit"));
        }
    }

    /** Restores (once), releases the machine lock and deregisters from the shutdown hook. */
    @Override
    public void close() throws IOException {
        teardown.closeIo();
    }
}
