package wbgov.nbd.backend;

import java.io.IOException;
import java.nio.file.Path;
import wbgov.nbd.units.Units;

/**
 * The BACKEND argument of {@code wbgov serve}:
 *
 * <pre>
 *   memory:SIZE                       sparse, in memory, allocated on first write
 *   file:PATH                         an existing file or block device
 *   file:PATH,size=SIZE               created sparse when missing
 *   file:PATH[,size=SIZE],direct      O_DIRECT: the server's writes bypass the page cache
 * </pre>
 *
 * SIZE as {@link Units#parseBytes}: bytes, or K/M/G/T suffixes, powers of 1024.
 */
public record BackendSpec(Kind kind, String path, long sizeBytes, boolean direct) {
    public enum Kind { MEMORY, FILE }

    /** Parses a BACKEND argument; IllegalArgumentException says what is wrong and the expected form. */
    public static BackendSpec parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("backend '" + text + "': expected memory:SIZE or file:PATH[,size=SIZE][,direct]");
        }
        String scheme = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        switch (scheme) {
            case "memory": {
                long size = Units.parseBytes("backend '" + text + "'", rest);
                if (size <= 0) {
                    throw new IllegalArgumentException("backend '" + text + "': size must be greater than 0");
                }
                return new BackendSpec(Kind.MEMORY, null, size, false);
            }
            case "file": {
                String[] parts = rest.split(",");
                String path = parts[0];
                if (path.isEmpty()) {
                    throw new IllegalArgumentException("backend '" + text + "': file: needs a path");
                }
                long size = 0;
                boolean direct = false;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i];
                    if (p.startsWith("size=")) {
                        size = Units.parseBytes("backend '" + text + "'", p.substring(5));
                        if (size <= 0) {
                            throw new IllegalArgumentException("backend '" + text + "': size must be greater than 0");
                        }
                    } else if (p.equals("direct")) {
                        direct = true;
                    } else {
                        throw new IllegalArgumentException("backend '" + text + "': unknown option '" + p
                                + "' (known: size=SIZE, direct)");
                    }
                }
                return new BackendSpec(Kind.FILE, path, size, direct);
            }
            default:
                throw new IllegalArgumentException("backend '" + text + "': unknown kind '" + scheme
                        + "' (expected memory:SIZE or file:PATH)");
        }
    }

    public Backend open(boolean readOnly) throws IOException {
        return kind == Kind.MEMORY ? FileBackend.memory(sizeBytes) : FileBackend.file(Path.of(path), sizeBytes, direct, readOnly);
    }
}
