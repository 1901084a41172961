package wbgov.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import wbgov.nbd.control.ControlClient;

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
        String answer;
        try {
            answer = ControlClient.send(socket, String.join(" ", words));
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (is 'wbgov serve --control " + socket + "' running?)", e);
        }
        System.out.print(answer);
        return answer.startsWith("error:") ? 1 : 0;
    }
}
