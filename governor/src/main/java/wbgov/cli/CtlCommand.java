package wbgov.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code wbgov ctl PATH get|set KEY [VALUE]}: talks to a server's control socket. */
@Command(name = "ctl", mixinStandardHelpOptions = true, description = {"Get or set a running server's limits through its control socket.",
    "KEY: inflight | inflight-bytes | rate | latency | stats. Exits 1 when the server answers with an error."})
public final class CtlCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "the server's --control socket")
    Path socket;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "get|set KEY [VALUE]",
            description = "e.g. 'get stats', 'set inflight 8', 'set latency 20ms'")
    List<String> words;

    @Override
    public Integer call() throws IOException {
        String answer = send(socket, String.join(" ", words));
        System.out.print(answer);
        return answer.startsWith("error:") ? 1 : 0;
    }

    static String send(Path socket, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot reach control socket " + socket + ": " + e.getMessage()
                        + " (is 'wbgov serve --control " + socket + "' running?)", e);
            }
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (c.read(in) >= 0 && in.hasRemaining()) {
                // read until the server closes
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        }
    }
}
