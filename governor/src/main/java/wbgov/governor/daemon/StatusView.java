package wbgov.governor.daemon;

import java.util.ArrayList;
import java.util.List;

/**
 * What the status socket answers: a {@link StatusRequest} line read, the devices it asks for
 * chosen from a {@link GovernorSnapshot}, and the answer as {@link StatusTable} (people) or
 * {@link StatusJson} (scripts). Read-only by construction: it sees a snapshot, never the
 * governor, so nothing sent to the status socket (which a group may be allowed to reach) can
 * change what the daemon does. Runs on the socket's thread; allocates.
 */
public final class StatusView {
    private StatusView() {
    }

    /** The answer to one request line; "error: …" for anything that is not a status request. */
    public static String answer(GovernorSnapshot s, String line) {
        StatusRequest r;
        try {
            r = StatusRequest.parse(line);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage() + "\n";
        }
        List<GovernorSnapshot.Device> shown = select(s.devices(), r);
        if (r.json()) {
            return StatusJson.write(s, shown);
        }
        List<String> unmatched = new ArrayList<>();
        for (String f : r.devices()) {
            if (s.devices().stream().noneMatch(d -> matches(d, f))) {
                unmatched.add(f);
            }
        }
        int hidden = r.devices().isEmpty() ? s.devices().size() - shown.size() : 0;
        return StatusTable.render(s, shown, hidden, unmatched, r.style());
    }

    /**
     * The devices a request shows: those its filters name (attached or not: asked for by name),
     * else every device but unattached loop devices unless {@code all}.
     */
    static List<GovernorSnapshot.Device> select(List<GovernorSnapshot.Device> devices, StatusRequest r) {
        List<GovernorSnapshot.Device> out = new ArrayList<>();
        for (GovernorSnapshot.Device d : devices) {
            boolean wanted = r.devices().isEmpty() ? d.attached() || r.all()
                    : r.devices().stream().anyMatch(f -> matches(d, f));
            if (wanted) {
                out.add(d);
            }
        }
        return out;
    }

    /** A filter names a device by its kernel name ("loop0", "/dev/loop0"), bdi ("7:0") or a mount point. */
    static boolean matches(GovernorSnapshot.Device d, String filter) {
        String f = filter.length() > 1 && filter.endsWith("/") ? filter.substring(0, filter.length() - 1) : filter;
        return f.equals(d.bdi())
                || (d.blockDevice() != null && (f.equals(d.blockDevice()) || f.equals("/dev/" + d.blockDevice())))
                || d.mountPoints().contains(f);
    }
}
