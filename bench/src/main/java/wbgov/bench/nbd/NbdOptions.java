package wbgov.bench.nbd;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;
import wbgov.nbd.units.Units;

/**
 * The options of {@code ./wbgov bench nbd}, parsed. {@link #parse} refuses what it cannot read
 * with an {@link IllegalArgumentException} whose message is printed after "wbgov bench nbd: ".
 *
 * @param quick      3 s per job after a 1 s ramp instead of 10 s after 2 s
 * @param rounds     runs of each job per server, at least 1
 * @param out        where nbd.md and fio-nbd/ go
 * @param sizeBytes  export size
 */
public record NbdOptions(boolean quick, int rounds, Path out, long sizeBytes) {
    public static final String USAGE = "usage: wbgov bench nbd [--quick] [--out DIR] [--size SIZE] [--rounds N]\n"
            + "  --quick      3 s per job instead of 10 s\n"
            + "  --out DIR    where nbd.md and fio's JSON go (default bench/results/DATE-HOST/)\n"
            + "  --size SIZE  export size: bytes, or K/M/G/T (powers of 1024; default 1G)\n"
            + "  --rounds N   runs of each job per server, alternating order, best kept (default 2; 1 with --quick)";

    /**
     * Parses {@code args}; empty when they ask for help ({@code -h}, {@code --help}). The default
     * {@code out} is {@code home/bench/results/DATE-host}.
     */
    public static Optional<NbdOptions> parse(String[] args, Path home, String host) {
        boolean quick = false;
        Path out = null;
        long sizeBytes = 1L << 30;
        Integer rounds = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--size" -> sizeBytes = Units.parseBytes("--size", value(args, ++i, a));
                case "--rounds" -> rounds = wholeNumber(a, value(args, ++i, a));
                case "-h", "--help" -> {
                    return Optional.empty();
                }
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        if (out == null) {
            out = home.resolve("bench").resolve("results").resolve(LocalDate.now() + "-" + host);
        }
        if (rounds == null) {
            rounds = quick ? 1 : 2;
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1");
        }
        return Optional.of(new NbdOptions(quick, rounds, out, sizeBytes));
    }

    /** Seconds fio measures each job, after its ramp. */
    public int runtimeSeconds() {
        return quick ? 3 : 10;
    }

    /** Seconds fio runs each job before it starts counting. */
    public int rampSeconds() {
        return quick ? 1 : 2;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value (see --help)");
        }
        return args[i];
    }

    private static int wholeNumber(String option, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a whole number, got \"" + text + "\"");
        }
    }
}
