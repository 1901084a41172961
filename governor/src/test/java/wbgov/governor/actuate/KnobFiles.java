package wbgov.governor.actuate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helper: every knob file of a real bdi as text, to prove a restore put all of them back. */
final class KnobFiles {
    static final String[] ALL = {"max_ratio", "min_ratio", "max_ratio_fine", "min_ratio_fine", "strict_limit"};

    private KnobFiles() {
    }

    static Map<String, String> snapshot(String bdi) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : ALL) {
            Path p = Path.of("/sys/class/bdi", bdi, k);
            if (Files.exists(p)) {
                out.put(k, Files.readString(p).trim());
            }
        }
        return out;
    }
}
