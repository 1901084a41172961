package wbgov.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The bundled server's options, shared by {@code serve} and {@code run --serve}: its address and export, and {@link ServingOptions}. */
public final class ServerOptions {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "TCP address (default 127.0.0.1:10809; never a non-loopback address unless given here)")
    String listen;

    @Option(names = {"-b", "--bind"}, paramLabel = "ADDR", description = "TCP address to listen on (default 127.0.0.1), as qemu-nbd -b")
    String bind;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "TCP port (default 10809), as qemu-nbd -p")
    Integer port;

    @Option(names = {"-U", "--unix"}, paramLabel = "PATH", description = "serve on a Unix socket instead of TCP; "
            + "a stale socket file is replaced, one a live server answers on is refused")
    Path unix;

    @Option(names = {"-e", "--export-name", "--name"}, paramLabel = "NAME",
            description = "export name (default \"\"; clients asking for \"\" get this export too)")
    String name = "";

    @Option(names = "--description", paramLabel = "TEXT", description = "export description (NBD_INFO_DESCRIPTION)")
    String description = "wbgov NBD export";

    @Option(names = {"-r", "--read-only"}, description = "refuse writes with EPERM")
    boolean readOnly;

    @Option(names = "--max-request", paramLabel = "SIZE", description = "largest READ/WRITE advertised, power of two 64K..32M (default 32M)")
    String maxRequest = "32M";

    @Mixin
    ServingOptions serving = new ServingOptions();

    /** The TCP address from --listen, or -b/-p; null when serving on a Unix socket. */
    String tcpAddress() {
        if (unix != null) {
            if (listen != null || bind != null || port != null) {
                throw new IllegalArgumentException("--unix excludes --listen, --bind and --port: give one kind of address");
            }
            return null;
        }
        if (listen != null) {
            if (bind != null || port != null) {
                throw new IllegalArgumentException("--listen HOST:PORT excludes --bind and --port: give one or the others");
            }
            return listen;
        }
        int p = port == null ? 10809 : port;
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("--port " + p + ": expected 0..65535");
        }
        String host = bind == null ? "127.0.0.1" : bind;
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + p;
    }
}
