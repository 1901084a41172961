package wbgov.governor.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where {@code --metrics ADDR} listens: a bare port means {@code 127.0.0.1:PORT} (metrics show
 * which devices exist and how full they are: never on every interface unless asked), else
 * {@code HOST:PORT} or {@code [IPv6]:PORT}. Port 0 takes any free port (the log line and tests
 * say which).
 */
public final class MetricsAddress {
    private MetricsAddress() {
    }

    /** Parses ADDR; an IllegalArgumentException (a usage error) says what was expected. */
    public static InetSocketAddress parse(String text) {
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw usage(text);
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                host = "127.0.0.1";
                port = t;
            } else if (t.indexOf(':') != colon) {
                throw new IllegalArgumentException("--metrics " + text + ": an IPv6 address goes in brackets, [::1]:PORT");
            } else {
                host = t.substring(0, colon);
                port = t.substring(colon + 1);
            }
        }
        if (host.isEmpty()) {
            throw usage(text);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw usage(text);
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("--metrics " + text + ": port " + p + " is not in 0..65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--metrics " + text + ": unknown host " + host);
        }
    }

    private static IllegalArgumentException usage(String text) {
        return new IllegalArgumentException("--metrics " + text + ": expected PORT, HOST:PORT or [IPv6]:PORT");
    }
}
