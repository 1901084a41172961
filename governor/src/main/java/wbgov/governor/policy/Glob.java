package wbgov.governor.policy;

/**
 * Shell-style wildcard match for policy match keys: {@code *} matches any run of characters
 * (including {@code /}, so {@code "/media/*"} covers everything under /media), {@code ?} one
 * character; everything else is literal. No character classes: an admin reads these at sight.
 * Iterative with one backtrack point, so no pattern can blow up.
 */
final class Glob {
    private Glob() {
    }

    static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                starP = p++;
                starT = t;
            } else if (starP >= 0) {
                p = starP + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
