package wbgov.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One named logger: checks the process-wide threshold, formats, hands the line to {@link LogOutput}. */
final class WbgovLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final String shortName;

    WbgovLogger(String name) {
        this.name = name;
        int dot = name.lastIndexOf('.');
        this.shortName = dot < 0 ? name : name.substring(dot + 1);
    }

    @Override
    public boolean isTraceEnabled() {
        return LogOutput.enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return LogOutput.enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return LogOutput.enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return LogOutput.enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return LogOutput.enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        LogOutput.write(level, shortName, MessageFormatter.basicArrayFormat(pattern, args), t);
    }
}
