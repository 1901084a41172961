package wbgov.governor.daemon;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code wbgov status} asks the status socket, as one line:
 * {@code status [json] [all] [style=plain|bold|color] [dev=NAME]…}. Each device filter is
 * percent-encoded (a mount point may hold a space, a tab or a newline; the line must stay one
 * line). The daemon renders and filters (it knows the mount points and bdi names); the CLI only
 * says how it will show the answer. "status" and "status json" alone, as older clients sent
 * them, still mean the table and the JSON.
 *
 * @param json the JSON document rather than the table
 * @param all also unattached loop devices (hidden otherwise: they can hold nothing)
 * @param style how rows over their drain target stand out beyond their {@code !} mark
 * @param devices only these devices (kernel name "loop0", "/dev/loop0", bdi "7:0", or a mount
 *     point); empty for all
 */
public record StatusRequest(boolean json, boolean all, Style style, List<String> devices) {

    /** How the table marks a row over its target, besides the {@code !}: on a terminal, in bold (and red). */
    public enum Style {
        PLAIN, BOLD, COLOR
    }

    public StatusRequest {
        devices = List.copyOf(devices);
    }

    /** The request as sent over the socket (no newline). */
    public String line() {
        StringBuilder b = new StringBuilder("status");
        if (json) {
            b.append(" json");
        }
        if (all) {
            b.append(" all");
        }
        if (style != Style.PLAIN) {
            b.append(" style=").append(style.name().toLowerCase(java.util.Locale.ROOT));
        }
        for (String d : devices) {
            b.append(" dev=").append(URLEncoder.encode(d, StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /** The request in a line; IllegalArgumentException for anything that is not a status request. */
    public static StatusRequest parse(String line) {
        String[] words = line.trim().split(" +");
        if (!words[0].equals("status")) {
            throw new IllegalArgumentException("not a status request (this socket answers status requests only)");
        }
        boolean json = false;
        boolean all = false;
        Style style = Style.PLAIN;
        List<String> devices = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            String w = words[i];
            if (w.equals("json")) {
                json = true;
            } else if (w.equals("all")) {
                all = true;
            } else if (w.startsWith("style=")) {
                style = switch (w.substring(6)) {
                    case "plain" -> Style.PLAIN;
                    case "bold" -> Style.BOLD;
                    case "color" -> Style.COLOR;
                    default -> throw new IllegalArgumentException("unknown style " + w.substring(6));
                };
            } else if (w.startsWith("dev=")) {
                devices.add(URLDecoder.decode(w.substring(4), StandardCharsets.UTF_8));
            } else {
                throw new IllegalArgumentException("unknown word in a status request: " + w);
            }
        }
        return new StatusRequest(json, all, style, devices);
    }
}
