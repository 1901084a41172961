package wbgov.bench.writeback;

import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * Where the labels of a panel's event lines go so that no two overlap: each label sits beside
 * its line in the first of a few rows (stacked down from the top of the data area) where it
 * touches no other label. When the events' own words do not fit in those rows (contention's
 * nine fast writers start and sync within a few seconds), the labels become numbers, keyed in
 * {@link Layout#key()} under the panel; numbers still too close to fit become one label for a
 * run of consecutive events ("4–9").
 *
 * <p>Why full words first: three or six events read best where they happen; why numbers, not
 * smaller type or slanted text: twenty events in four seconds do not fit in any font.
 *
 * <p>Pure geometry, in pixels: the caller gives the time-to-x mapping of the drawn axis and a
 * text width measure, so a test can check the boxes without drawing.
 */
final class EventLabels {
    /** Space between a label's text and its box edge, and between two labels in a row, pixels. */
    static final double PAD_PX = 2;

    /** One label: its text, the x of the event line it names, and its box (pixels, y down from the row band's top). */
    record Label(String text, double lineX, Rectangle2D box) {
    }

    /**
     * The labels of one panel.
     *
     * @param key "1 solo reference" per event when the labels are numbers; empty when they are the events' words
     * @param rows how many rows the labels use (0 without events)
     */
    record Layout(List<Label> labels, List<String> key, int rows) {
    }

    private EventLabels() {
    }

    /**
     * Lays out {@code events} (in time order) between {@code leftPx} and {@code rightPx}.
     *
     * @param xPx the x pixel of a time in seconds on the drawn axis
     * @param textWidthPx the width of a text in the label font, pixels
     * @param rowHeightPx one row's height (the label font's height plus padding)
     * @param maxRows how many rows the labels may take
     */
    static Layout layout(List<Recording.Event> events, DoubleUnaryOperator xPx, double leftPx, double rightPx,
            ToDoubleFunction<String> textWidthPx, double rowHeightPx, int maxRows) {
        int n = events.size();
        double[] x = new double[n];
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(leftPx, Math.min(rightPx, xPx.applyAsDouble(events.get(i).tSec())));
            words.add(events.get(i).text());
        }
        List<Label> full = place(words, x, leftPx, rightPx, textWidthPx, rowHeightPx, maxRows);
        if (full != null) {
            return new Layout(full, List.of(), rows(full, rowHeightPx));
        }
        List<String> key = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            key.add((i + 1) + " " + events.get(i).text());
        }
        // first[g]: the index of group g's first event; a group is a run of consecutive events under one label.
        List<Integer> first = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            first.add(i);
        }
        while (true) {
            List<String> texts = new ArrayList<>();
            double[] gx = new double[first.size()];
            for (int g = 0; g < first.size(); g++) {
                int a = first.get(g);
                int b = g + 1 < first.size() ? first.get(g + 1) - 1 : n - 1;
                texts.add(a == b ? Integer.toString(a + 1) : (a + 1) + "–" + (b + 1));
                gx[g] = x[a];
            }
            List<Label> numbered = place(texts, gx, leftPx, rightPx, textWidthPx, rowHeightPx, maxRows);
            if (numbered != null) {
                return new Layout(numbered, key, rows(numbered, rowHeightPx));
            }
            if (first.size() == 1) {
                // One label for every event, wider than the panel's rows allow: drawn anyway, from the left.
                Rectangle2D box = new Rectangle2D.Double(leftPx, 0, textWidthPx.applyAsDouble(texts.get(0)) + 2 * PAD_PX,
                        rowHeightPx - 1);
                return new Layout(List.of(new Label(texts.get(0), x[0], box)), key, 1);
            }
            // Join the two groups whose lines are closest: the pair that crowds the rows most.
            int join = 1;
            for (int g = 2; g < first.size(); g++) {
                if (gx[g] - gx[g - 1] < gx[join] - gx[join - 1]) {
                    join = g;
                }
            }
            first.remove(join);
        }
    }

    /**
     * Each text beside its line (right of it, or left where it would leave the panel) in the first
     * row where its box touches no other; null when one fits in none of {@code maxRows}.
     */
    private static List<Label> place(List<String> texts, double[] x, double leftPx, double rightPx,
            ToDoubleFunction<String> textWidthPx, double rowHeightPx, int maxRows) {
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            double w = textWidthPx.applyAsDouble(texts.get(i)) + 2 * PAD_PX;
            double left = x[i] + 1;
            if (left + w > rightPx) {
                left = Math.max(leftPx, x[i] - 1 - w);
            }
            Label placed = null;
            for (int row = 0; row < maxRows && placed == null; row++) {
                Rectangle2D box = new Rectangle2D.Double(left, row * rowHeightPx, w, rowHeightPx - 1);
                if (out.stream().noneMatch(l -> apart(l.box(), box) < PAD_PX)) {
                    placed = new Label(texts.get(i), x[i], box);
                }
            }
            if (placed == null) {
                return null;
            }
            out.add(placed);
        }
        return out;
    }

    /** The horizontal gap between two boxes of the same row, pixels; negative when they overlap; infinite in different rows. */
    static double apart(Rectangle2D a, Rectangle2D b) {
        if (a.getMaxY() <= b.getMinY() || b.getMaxY() <= a.getMinY()) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.max(a.getMinX(), b.getMinX()) - Math.min(a.getMaxX(), b.getMaxX());
    }

    private static int rows(List<Label> labels, double rowHeightPx) {
        int rows = 0;
        for (Label l : labels) {
            rows = Math.max(rows, (int) Math.round(l.box().getMinY() / rowHeightPx) + 1);
        }
        return rows;
    }
}
