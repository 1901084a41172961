package wbgov.governor.daemon;

import java.util.List;
import java.util.Locale;
import wbgov.nbd.units.Units;

/**
 * {@code wbgov status} for people: a {@link GovernorSnapshot} as a table within 100 columns for
 * typical names. Two header lines (version, uptime, what is governed; the machine's dirty and
 * write-back against its threshold), one row per device, then notes (devices met in an earlier
 * run, knob errors, hidden devices, filters that matched nothing, served exports).
 *
 * <p>Per row: the predicted drain time (time to safe eject) beside the policy's drain target,
 * {@code 19.6s/2s}, with the estimate's upper end when it is far from it ({@code 1.2..3s/2s});
 * a row over its target starts with {@code !} (and, on a terminal, is bold, red where colours
 * are wanted); a device wbgov does not govern shows the kernel's own allowance,
 * {@code kernel 4.3G}. Unknown values print as {@code -}.
 *
 * <p>Within 100 columns: the header lines with the longest numbers ("1023.5M") stay under it,
 * device names are cut at 12 characters and policy names at 11 ("…").
 */
public final class StatusTable {
    private static final String ROW = "%s %-12s %-11s %-10s %9s %9s %7s %-14s %s";
    private static final String BOLD = "\033[1m";
    private static final String BOLD_RED = "\033[1;31m";
    private static final String RESET = "\033[0m";

    private StatusTable() {
    }

    /**
     * @param shown the devices to list
     * @param hidden how many were left out for not being attached (0 when filtered by name)
     * @param unmatched device filters that named no device
     */
    public static String render(GovernorSnapshot s, List<GovernorSnapshot.Device> shown, int hidden,
            List<String> unmatched, StatusRequest.Style style) {
        StringBuilder sb = new StringBuilder(200 + 100 * shown.size());
        long governed = s.devices().stream().filter(GovernorSnapshot.Device::governed).count();
        long knobErrors = s.devices().stream().mapToLong(GovernorSnapshot.Device::knobErrors).sum();
        GovernorSnapshot.Global g = s.global();
        sb.append("wbgov ").append(s.version()).append(", up ").append(uptime(s.uptimeSeconds()))
                .append(s.dryRun() ? ", dry run: would govern " : ", governing ").append(governed).append(" of ")
                .append(s.devices().size()).append(" devices");
        if (knobErrors > 0) {
            sb.append(", ").append(knobErrors).append(knobErrors == 1 ? " knob error" : " knob errors");
        }
        if (g.failedTicks() > 0) {
            sb.append(", ").append(g.failedTicks()).append(g.failedTicks() == 1 ? " failed tick" : " failed ticks");
        }
        if (g.reloadsFailed() > 0) {
            sb.append(", ").append(g.reloadsFailed()).append(" reload(s) refused");
        }
        sb.append('\n');
        sb.append("dirty ").append(bytes(g.dirtyBytes())).append(", writeback ").append(bytes(g.writebackBytes()))
                .append(", limit ").append(bytes(g.dirtyThreshBytes())).append(" (background ")
                .append(bytes(g.backgroundThreshBytes())).append(')');
        if (g.pressure() != null && g.pressure().ioSomeAvg10Percent() != null) {
            sb.append(String.format(Locale.ROOT, ", io pressure %.1f%%", g.pressure().ioSomeAvg10Percent()));
        }
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, ROW, " ", "DEVICE", "POLICY", "STATE", "DIRTYING", "DONE", "HELD",
                "ALLOWANCE", "DRAIN/TARGET").stripTrailing()).append('\n');
        for (GovernorSnapshot.Device d : shown) {
            String row = String.format(Locale.ROOT, ROW, d.overTarget() ? "!" : " ",
                    trim(name(d), 12), d.policy() == null ? "-" : trim(d.policy(), 11), trim(state(d), 10),
                    rate(d.dirtyingBytesPerSec()), rate(d.completionBytesPerSec()), bytes(d.heldBytes()),
                    allowance(d), drain(d)).stripTrailing();
            if (d.overTarget() && style != StatusRequest.Style.PLAIN) {
                row = (style == StatusRequest.Style.COLOR ? BOLD_RED : BOLD) + row + RESET;
            }
            sb.append(row).append('\n');
        }
        notes(sb, s, shown, hidden, unmatched);
        return sb.toString();
    }

    private static void notes(StringBuilder sb, GovernorSnapshot s, List<GovernorSnapshot.Device> shown, int hidden,
            List<String> unmatched) {
        for (GovernorSnapshot.Device d : shown) {
            if (d.metBeforeEpochSeconds() != null) {
                sb.append(name(d)).append(": met before (last seen ")
                        .append(StatusJson.rfc3339(d.metBeforeEpochSeconds() * 1000).substring(0, 16).replace('T', ' '))
                        .append(" UTC): started at its remembered rate\n");
            }
            if (d.knobErrors() > 0) {
                sb.append(name(d)).append(": ").append(d.knobErrors()).append(" of ").append(d.knobWrites())
                        .append(" knob writes failed (the daemon's log says why)\n");
            }
        }
        if (!s.debugfs()) {
            sb.append("no debugfs: per-device dirty and writeback unknown, completions from the block layer\n");
        }
        if (hidden > 0) {
            sb.append("(").append(hidden).append(hidden == 1 ? " unattached loop device" : " unattached loop devices")
                    .append(" not shown: --all shows them)\n");
        }
        for (String f : unmatched) {
            sb.append("no device matches '").append(clean(f)).append("' (a kernel name, /dev/NAME, a bdi MAJ:MIN or a mount point)\n");
        }
        for (GovernorSnapshot.Export e : s.exports()) {
            sb.append(String.format(Locale.ROOT, "export '%s': in-flight limit %s / %d requests, completing %s, in flight %d%n",
                    clean(e.name()), Units.formatBytes(e.inflightLimitBytes()), e.inflightLimitRequests(),
                    rate(e.completionBytesPerSec()), e.inflightRequests()));
        }
    }

    /** The kernel name ("sdb"), else the label of an anonymous bdi ("fuse 0:52"). */
    static String name(GovernorSnapshot.Device d) {
        return clean(d.blockDevice() != null ? d.blockDevice() : d.device());
    }

    private static String state(GovernorSnapshot.Device d) {
        if (!d.attached()) {
            return "unattached";
        }
        if (d.stalled()) {
            return "stalled";
        }
        return d.state() == null ? "-" : d.state();
    }

    /** What the device may hold: the law's allowance ("2M strict"), or the kernel's own ("kernel 4.3G"). */
    static String allowance(GovernorSnapshot.Device d) {
        if (!d.governed()) {
            return "kernel " + bytes(d.kernelMaxBytes());
        }
        return bytes(d.allowanceBytes()) + (Boolean.TRUE.equals(d.strict()) ? " strict" : "");
    }

    /**
     * "19.6s/2s": predicted drain time over the target; "1.2..3s/2s" when the estimate's upper end
     * is a quarter or more above it, "1.2s+/2s" when it has none (the rate may be near 0);
     * "stalled/2s"; "?/2s" before a measurement. A device not governed has no target: its drain
     * time alone, when known.
     */
    static String drain(GovernorSnapshot.Device d) {
        String eta;
        Double t = d.drainSeconds();
        Double up = d.drainSecondsUpper();
        if (d.stalled()) {
            eta = "stalled";
        } else if (t == null) {
            eta = d.governed() ? "?" : "-";
        } else if (t == 0) {
            eta = "0s";
        } else if (up == null) {
            eta = seconds(t) + "+";
        } else if (up >= 1.25 * t && !seconds(t).equals(seconds(up))) {
            String low = seconds(t);
            eta = (up < 100 ? low.substring(0, low.length() - 1) : low) + ".." + seconds(up); // "1.2..3s", "95s..2m05s"
        } else {
            eta = seconds(t);
        }
        if (d.drainTargetSeconds() == null) {
            return eta;
        }
        return eta + "/" + Units.formatDurationNs(Math.round(d.drainTargetSeconds() * 1e9));
    }

    /** Seconds for a drain time: "0.3s", "19.6s", "2m05s", "1h05m"; minutes and hours beyond 100 s; ">7d" beyond a week. */
    static String seconds(double s) {
        if (s >= 7 * 86_400) {
            return ">7d"; // a rate near 0 (an unmeasured device's last trickle): no number means anything here
        }
        if (s < 100) {
            String v = String.format(Locale.ROOT, "%.1f", s);
            return (v.endsWith(".0") ? v.substring(0, v.length() - 2) : v) + "s";
        }
        return uptime(s);
    }

    /** "45s", "12m03s", "3h12m", "2d03h". */
    static String uptime(double seconds) {
        long s = (long) seconds;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, s % 86_400 / 3600);
    }

    private static String rate(Double bytesPerSec) {
        return bytesPerSec == null ? "-" : Units.formatBytes(Math.round(bytesPerSec)) + "/s";
    }

    private static String bytes(Long b) {
        return b == null ? "-" : Units.formatBytes(b);
    }

    /** At most {@code n} characters of {@link #clean}; a longer name keeps its start and ends in "…". */
    private static String trim(String s, int n) {
        String one = clean(s);
        return one.length() <= n ? one : one.substring(0, n - 1) + "…";
    }

    /** A name with its control characters as "?": a tab, newline or escape in a name must not break the table. */
    static String clean(String s) {
        return s.replaceAll("\\p{Cc}", "?"); // C0 and C1 (0x9b is a CSI on some terminals)
    }
}
