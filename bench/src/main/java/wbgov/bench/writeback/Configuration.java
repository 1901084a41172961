package wbgov.bench.writeback;

/**
 * The four ways of limiting write-back that every scenario compares, side by side in one run.
 * Why these four: (1) is what a machine does out of the box; (2) is what admins do today
 * (a small global {@code vm.dirty_bytes}); (3) is what udev rules in the wild do (one static
 * strict cap for every device of a class, fast or slow); (4) is wbgov.
 */
public enum Configuration {
    DEFAULTS("defaults", "kernel defaults", "no per-device knobs; the global budget below"),
    SMALL_GLOBAL("dirty-64M", "small vm.dirty_bytes", "global vm.dirty_bytes = 64 MiB (background 32 MiB)"),
    STATIC_CAP("static-16M", "static cap by class",
            "strict_limit=1, max_bytes=16 MiB on every device of the slow device's class (loop-over-NBD and its FUSE bdi)"),
    WBGOV("wbgov", "wbgov", "the governor with its shipped policies, also setting the NBD server's in-flight limit");

    private final String id;
    private final String title;
    private final String description;

    Configuration(String id, String title, String description) {
        this.id = id;
        this.title = title;
        this.description = description;
    }

    /** Used in file names and column headers. */
    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public String description() {
        return description;
    }

    /** By id ("wbgov") or enum name, case-insensitive. */
    public static Configuration parse(String s) {
        for (Configuration c : values()) {
            if (c.id.equalsIgnoreCase(s) || c.name().equalsIgnoreCase(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown configuration '" + s + "'; known: defaults, dirty-64M, static-16M, wbgov");
    }
}
