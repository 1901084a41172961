package wbgov.governor.discover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts of {@code /proc/self/mountinfo}, parsed off the hot path. Discovery needs it for
 * two things sysfs does not say: what an anonymous bdi ({@code 0:N}) is (its mount's file
 * system type: FUSE, NFS …), and which bdi a loop device's backing file lives on (the mount
 * whose mount point is the longest prefix of the file's path).
 */
public final class MountTable {
    /** One mountinfo line: the device number (= bdi name for most file systems), where, what. */
    public record Mount(String majMin, String mountPoint, String fsType, String source) {
    }

    private final List<Mount> mounts;

    private MountTable(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    public static MountTable read(Path mountinfo) throws IOException {
        return parse(Files.readString(mountinfo), mountinfo.toString());
    }

    /**
     * Parses mountinfo text: {@code id parent MAJ:MIN root mountpoint opts [optional…] - fstype
     * source superopts}. Lines that do not parse are skipped (the kernel never writes them; a
     * fake tree might).
     */
    public static MountTable parse(String text, String origin) {
        List<Mount> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 1 >= f.length) {
                continue;
            }
            String fsType = dash + 1 < f.length ? f[dash + 1] : "";
            String source = dash + 2 < f.length ? unescape(f[dash + 2]) : "";
            out.add(new Mount(f[2], unescape(f[4]), fsType, source));
        }
        return new MountTable(out);
    }

    /** Undoes the kernel's octal escapes in mountinfo paths (\040 space, \011 tab, \012, \134). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && isOctal(s.charAt(i + 1)) && isOctal(s.charAt(i + 2)) && isOctal(s.charAt(i + 3))) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    public List<Mount> mounts() {
        return mounts;
    }

    /** Every mount of a device number, in mount order. */
    public List<Mount> byMajMin(String majMin) {
        List<Mount> out = new ArrayList<>();
        for (Mount m : mounts) {
            if (m.majMin().equals(majMin)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * The mount a path lives on: the mount whose mount point is the longest path prefix of it
     * (the last one mounted wins among equals, as it hides the others). Null when none.
     */
    public Mount containing(String path) {
        Mount best = null;
        int bestLen = -1;
        for (Mount m : mounts) {
            String mp = m.mountPoint();
            boolean prefix = mp.equals("/") || path.equals(mp) || path.startsWith(mp.endsWith("/") ? mp : mp + "/");
            if (prefix && mp.length() >= bestLen) {
                best = m;
                bestLen = mp.length();
            }
        }
        return best;
    }
}
