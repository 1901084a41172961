package wbgov.governor.policy;

/**
 * One problem found in a policy file, printed as compilers print theirs so editors can jump to
 * it: {@code policies/nbd.toml:12: floor: expected a size like "16M", got "lots"}.
 *
 * @param source the file as named to the user
 * @param line 1-based line number; 0 when the problem is not tied to a line (an unreadable file)
 * @param message what is wrong and, for a bad value, the expected form
 */
public record PolicyError(String source, int line, String message) {
    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ": " + message : source + ": " + message;
    }
}
