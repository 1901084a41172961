package wbgov.governor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.daemon.PlantGovernor;
import wbgov.nbd.Export;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.testing.Peers;

/**
 * contrib/ as a fleet uses it: the alert rules pass {@code promtool check rules} and their unit
 * tests ({@code promtool test rules}); the Grafana dashboard is JSON (jq), every expression in
 * it is PromQL that promtool accepts, and every metric name the dashboard, the rules and the
 * rule tests use is one the exporter really emits (a scrape of a governor on a fake kernel, an
 * export of the server and the process' own metrics).
 */
class ContribTest {
    private static final Path CONTRIB = Path.of("..", "contrib");
    private static final Path RULES = CONTRIB.resolve("prometheus/wbgov.rules.yml");
    private static final Path RULE_TESTS = CONTRIB.resolve("prometheus/wbgov.rules.test.yml");
    private static final Path DASHBOARD = CONTRIB.resolve("grafana/wbgov.json");
    private static final Pattern NAME = Pattern.compile("\\bwbgov_[a-z0-9_]+");

    @TempDir
    Path tmp;

    @Test
    void alertRulesPassPromtoolAndTheirUnitTests() throws Exception {
        String promtool = Peers.requireTool("promtool", "prometheus").toString();
        Peers.run(60, promtool, "check", "rules", RULES.toString()).assertOk("promtool check rules " + RULES);
        Peers.Result r = Peers.run(120, promtool, "test", "rules", RULE_TESTS.toString()).assertOk("promtool test rules");
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void theDashboardIsJsonOfValidPromqlOverEmittedNames() throws Exception {
        String promtool = Peers.requireTool("promtool", "prometheus").toString();
        String jq = Peers.requireTool("jq", "jq").toString();
        Peers.run(30, jq, "empty", DASHBOARD.toString()).assertOk("jq: the dashboard is JSON");
        List<String> exprs = Peers.run(30, jq, "-r", "[.. | objects | (.expr?, .query?.query?) | strings] | .[]",
                DASHBOARD.toString()).assertOk("jq: the dashboard's expressions").output().lines().toList();
        assertTrue(exprs.size() >= 12, "expressions found: " + exprs);
        // Each expression as a recording rule, with Grafana's variables as an admin's values would be.
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            String e = exprs.get(i).replace("$__rate_interval", "5m").replace("$instance", ".*").replace("$device", ".*");
            Matcher lv = Pattern.compile("^label_values\\((.*), *[a-z_]+\\)$").matcher(e);
            String promql = lv.matches() ? lv.group(1) : e;
            rules.append("      - record: dashboard:expr").append(i).append("\n        expr: '")
                    .append(promql.replace("'", "''")).append("'\n");
        }
        Path asRules = tmp.resolve("dashboard.rules.yml");
        Files.writeString(asRules, rules);
        Peers.run(60, promtool, "check", "rules", asRules.toString()).assertOk("promtool: the dashboard's PromQL\n" + rules);

        Set<String> emitted = emittedNames();
        List<String> unknown = new ArrayList<>();
        for (Path f : List.of(DASHBOARD, RULES, RULE_TESTS)) {
            Matcher m = NAME.matcher(Files.readString(f));
            while (m.find()) {
                if (!emitted.contains(m.group())) {
                    unknown.add(f.getFileName() + ": " + m.group());
                }
            }
        }
        assertEquals(List.of(), unknown, "names the exporter does not emit; it emits " + emitted);
    }

    /** Every sample name of a full scrape: governor (with data held and PSI), an export, the process. */
    private Set<String> emittedNames() throws Exception {
        try (PlantGovernor p = new PlantGovernor(tmp.resolve("plant"));
                Export export = Export.builder(FileBackend.memory(1L << 20)).name("disk").build()) {
            p.write("sdb", 50 << 20);
            p.run(3);
            Exposition e = Exposition.of(Metrics.registry(List.of(new ProcessCollector(),
                    new GovernorCollector(p.governor()::snapshot), new ExportCollector(() -> List.of(export)))).scrape());
            return new TreeSet<>(e.names());
        }
    }
}
