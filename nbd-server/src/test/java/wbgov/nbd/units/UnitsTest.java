package wbgov.nbd.units;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The grammar of {@link Units}, value by value: what each text parses to, or the exact refusal. */
class UnitsTest {
    private static final String SIZE_GOT = "expected a size like \"4096\", \"512K\", \"16M\", \"1.5G\" (K/M/G/T: powers of 1024), got ";
    private static final String DURATION_GOT = "expected a duration like \"500ms\", \"2s\", \"1m\" (units ns, us, ms, s, m, h), got ";

    @ParameterizedTest(name = "\"{0}\" = {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, textBlock = """
        0|0
        4096|4096
        512B|512
        512b|512
        1K|1024
        512K|524288
        16M|16777216
        16m|16777216
        16Mi|16777216
        16MiB|16777216
        16MB|16777216
        16mib|16777216
        1.5G|1610612736
        1.5K|1536
        0.5K|512
        2T|2199023255552
        4194304T|4611686018427387904
        ' 1 M '|1048576
        007|7
        """)
    void sizes(String text, long bytes) {
        assertEquals(bytes, Units.parseBytes(text));
    }

    @ParameterizedTest(name = "\"{0}\" refused: {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        "''|" + SIZE_GOT + "\"\"",
        "M|" + SIZE_GOT + "\"M\"",
        "16X|" + SIZE_GOT + "\"16X\"",
        "1KK|" + SIZE_GOT + "\"1KK\"",
        "1e9|" + SIZE_GOT + "\"1e9\"",
        "0x10|" + SIZE_GOT + "\"0x10\"",
        "+1|" + SIZE_GOT + "\"+1\"",
        ".5M|" + SIZE_GOT + "\".5M\"",
        "1.M|" + SIZE_GOT + "\"1.M\"",
        "lots|" + SIZE_GOT + "\"lots\"",
        "-1M|size \"-1M\" must be ≥ 0",
        "-1|size \"-1\" must be ≥ 0",
        "0.3K|size \"0.3K\" is not a whole number of bytes (307.2)",
        "1.5|size \"1.5\" is not a whole number of bytes (1.5)",
        "4194305T|size \"4194305T\" is too large (at most 2^62 bytes, 4194304T)",
        "99999999999999999999|size \"99999999999999999999\" is too large (at most 2^62 bytes, 4194304T)",
    })
    void sizesRefused(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Units.parseBytes(text)).getMessage());
    }

    @ParameterizedTest(name = "\"{0}\" = {1} ns")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, textBlock = """
        0|0
        0.0|0
        0s|0
        7ns|7
        1.5ns|2
        1.4ns|1
        250us|250000
        250µs|250000
        20ms|20000000
        ' 20 ms '|20000000
        0.5ms|500000
        2s|2000000000
        1.5s|1500000000
        0.000000001s|1
        1m|60000000000
        1min|60000000000
        1h|3600000000000
        1281023h|4611682800000000000
        """)
    void durations(String text, long ns) {
        assertEquals(ns, Units.parseDurationNs(text));
    }

    @ParameterizedTest(name = "\"{0}\" refused: {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        "20|expected a duration like \"500ms\", \"2s\", \"1m\" (units ns, us, ms, s, m, h), got \"20\" (a number needs its unit: \"20ms\" or \"20s\"?)",
        "''|" + DURATION_GOT + "\"\"",
        "s|" + DURATION_GOT + "\"s\"",
        "2 sec|" + DURATION_GOT + "\"2 sec\"",
        "2S|" + DURATION_GOT + "\"2S\"",
        "20MS|" + DURATION_GOT + "\"20MS\"",
        "2d|" + DURATION_GOT + "\"2d\"",
        "1e3ms|" + DURATION_GOT + "\"1e3ms\"",
        "-1ms|duration \"-1ms\" must be ≥ 0",
        "-0s|duration \"-0s\" must be ≥ 0",
        "1281025h|duration \"1281025h\" is too long (at most 2^62 ns, about 146 years)",
    })
    void durationsRefused(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Units.parseDurationNs(text)).getMessage());
    }

    /** Both formatters in one table: "bytes" rows are {@link Units#formatBytes}, "ns" rows {@link Units#formatDurationNs}. */
    @ParameterizedTest(name = "{1} {0} → \"{2}\"")
    @CsvSource(delimiter = '|', textBlock = """
        bytes|0|0
        bytes|100|100
        bytes|1000|1000
        bytes|1024|1K
        bytes|4096|4K
        bytes|16777216|16M
        bytes|1610612736|1.5G
        bytes|1100000|1.0M
        bytes|2199023255552|2T
        bytes|-16777216|-16M
        ns|0|0ns
        ns|999|999ns
        ns|250000|250us
        ns|20000000|20ms
        ns|1250000|1.25ms
        ns|500000000|500ms
        ns|2000000000|2s
        ns|1500000000|1.5s
        ns|1234567891|1.235s
        ns|7200000000000|7200s
        ns|-20000000|-20ms
        """)
    void formatted(String kind, long value, String text) {
        assertEquals(text, kind.equals("bytes") ? Units.formatBytes(value) : Units.formatDurationNs(value));
    }

    @ParameterizedTest(name = "\"{0}\" reads back as itself")
    @CsvSource({"4K", "16M", "1.5G", "2T", "250us", "20ms", "1.5s", "1.25ms"})
    void formattedValuesParseBack(String text) {
        if (text.endsWith("s")) {
            assertEquals(text, Units.formatDurationNs(Units.parseDurationNs(text)));
        } else {
            assertEquals(text, Units.formatBytes(Units.parseBytes(text)));
        }
    }
}
