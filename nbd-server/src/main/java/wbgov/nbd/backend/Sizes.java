package wbgov.nbd.backend;

/**
 * Sizes and rates as people type them: a number with an optional K, M, G or T suffix, powers of
 * 1024 ("64M" = 67108864); an optional trailing "B" or "iB" is accepted ("64MiB").
 */
public final class Sizes {
    private Sizes() {
    }

    /** Parses a size; throws IllegalArgumentException naming the text and the expected form. */
    public static long parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty size: expected a number with optional K/M/G/T suffix");
        }
        String u = t.toUpperCase();
        if (u.endsWith("IB")) {
            u = u.substring(0, u.length() - 2);
        } else if (u.endsWith("B") && u.length() > 1 && !Character.isDigit(u.charAt(u.length() - 2))) {
            u = u.substring(0, u.length() - 1);
        } else if (u.endsWith("B")) {
            u = u.substring(0, u.length() - 1);
        }
        int shift = 0;
        char last = u.isEmpty() ? ' ' : u.charAt(u.length() - 1);
        switch (last) {
            case 'K': shift = 10; break;
            case 'M': shift = 20; break;
            case 'G': shift = 30; break;
            case 'T': shift = 40; break;
            default: break;
        }
        String num = shift == 0 ? u : u.substring(0, u.length() - 1);
        try {
            double v = Double.parseDouble(num);
            if (v < 0) {
                throw new IllegalArgumentException("'" + text + "': a size must be ≥ 0");
            }
            if (Double.isNaN(v) || Double.isInfinite(v) || num.startsWith("+") || num.contains("E")) {
                throw new NumberFormatException();
            }
            double bytes = v * (double) (1L << shift);
            if (bytes > Long.MAX_VALUE / 2) {
                throw new IllegalArgumentException("size too large: '" + text + "'");
            }
            return (long) Math.floor(bytes);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (expected e.g. 512, 64K, 10M, 1.5G, 2T)");
        }
    }

    /** "1 GiB", "64 MiB", "512 B": exact when a power-of-1024 multiple, else one decimal. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = 0;
        while (Math.abs(v) >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        if (v == Math.rint(v)) {
            return (long) v + " " + units[i];
        }
        return String.format("%.1f %s", v, units[i]);
    }
}
