package wbgov.bench.writeback;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The plot of one scenario, drawn with JFreeChart: one row per configuration, two panels per
 * row — what each device holds (dirty + writeback, MiB) and what it completes (MiB/s) over
 * time — with the scenario's events (rate drops, writers starting and finishing) as vertical
 * lines, labelled in the left panel by {@link EventLabels} so that no two labels overlap (as
 * numbers keyed under the row where the words do not fit). Each row has its own time axis, its
 * own run's span: the runs of one scenario differ in length (the kernel defaults take minutes to
 * drain what the others finish in 25 s), and one shared axis squeezed the short runs into its
 * first seventh. The y axes are each row's own too, because the kernel defaults hold a hundred
 * times what wbgov does and one shared scale would flatten wbgov to a line on zero (each
 * panel's title gives its peak). The y axis leaves the label rows free above the data.
 */
public final class Plots {
    private static final int PANEL_W = 640;
    private static final int PANEL_H = 250;
    private static final int TOP_PX = 36;
    private static final int MARGIN_PX = 12;
    /** How many rows of event labels a panel may stack before they become numbers. */
    private static final int LABEL_ROWS = 3;
    private static final double MIB = 1024.0 * 1024.0;
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Font KEY_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color LABEL_BACKGROUND = new Color(0xe4, 0xe4, 0xe4, 230);
    private static final Color[] COLORS = {
        new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b),
    };

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /**
     * One drawn panel, in the PNG's pixels: what a test (or a reader of the code) can check
     * without looking at the picture.
     *
     * @param held true for the left panel (dirty + writeback), false for the completion rate
     * @param tFromSec the time axis's start, seconds
     * @param tToSec the time axis's end, seconds
     * @param labelBoxes the event labels' boxes (left panel only)
     * @param key under the row, "1 solo reference" per event when the labels are numbers
     */
    public record Panel(String configuration, boolean held, double tFromSec, double tToSec, Rectangle2D dataArea,
            List<Rectangle2D> labelBoxes, List<String> key) {
    }

    /** One configuration's row, drawn apart so the key under it can take the lines it needs. */
    private record Row(BufferedImage image, List<Panel> panels, List<String> keyLines) {
    }

    private Plots() {
    }

    /**
     * Draws {@code runs} (one row each; runs without a recording are left out) into {@code png}.
     *
     * @param devices the devices to draw, by column prefix ("slow", "fast")
     * @return the panels as drawn, row by row
     */
    public static List<Panel> write(Path png, String title, List<RunResult> runs, List<String> devices,
            double rateWindowSec) throws IOException {
        int width = 2 * PANEL_W;
        List<Row> rows = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.recording() != null && r.recording().size() > 0) {
                rows.add(row(r.recording(), r.configuration(), devices, rateWindowSec, width));
            }
        }
        int keyLineH = lineHeight(KEY_FONT);
        int height = TOP_PX;
        for (Row row : rows) {
            height += PANEL_H + keyHeight(row, keyLineH);
        }
        height = Math.max(height, TOP_PX + PANEL_H);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        List<Panel> panels = new ArrayList<>();
        Graphics2D g = img.createGraphics();
        try {
            antialias(g);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString(title, MARGIN_PX, 25);
            int y = TOP_PX;
            for (Row row : rows) {
                g.drawImage(row.image(), 0, y, null);
                for (Panel p : row.panels()) {
                    panels.add(shifted(p, y));
                }
                g.setFont(KEY_FONT);
                g.setColor(Color.DARK_GRAY);
                int ky = y + PANEL_H + 2 + g.getFontMetrics().getAscent();
                for (String line : row.keyLines()) {
                    g.drawString(line, MARGIN_PX, ky);
                    ky += keyLineH;
                }
                y += PANEL_H + keyHeight(row, keyLineH);
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
        return panels;
    }

    /** Both panels of one run, on its own time axis, with the left panel's event labels and the key lines under them. */
    private static Row row(Recording rec, Configuration c, List<String> devices, double rateWindowSec, int width) {
        double[] t = rec.time();
        double tEnd = t[t.length - 1];
        for (Recording.Event e : rec.events()) {
            tEnd = Math.max(tEnd, e.tSec());
        }
        tEnd = Math.max(tEnd, 1);
        JFreeChart held = chart(rec, c, devices, true, rateWindowSec, tEnd);
        JFreeChart rate = chart(rec, c, devices, false, rateWindowSec, tEnd);
        BufferedImage img = new BufferedImage(width, PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            antialias(g);
            Rectangle2D left = new Rectangle2D.Double(0, 0, PANEL_W, PANEL_H);
            Rectangle2D right = new Rectangle2D.Double(PANEL_W, 0, PANEL_W, PANEL_H);
            g.setFont(LABEL_FONT);
            FontMetrics fm = g.getFontMetrics();
            double rowH = fm.getHeight() + 2;
            Rectangle2D area = drawn(held, g, left);
            EventLabels.Layout labels = labels(rec, held, area, fm, rowH);
            if (labels.rows() > 0) {
                // Room above the data for the label rows: the data's top then sits below them.
                double band = Math.min(0.6, (labels.rows() * rowH + 4) / area.getHeight());
                held.getXYPlot().getRangeAxis().setUpperMargin(Math.max(0.05, band / (1 - band)));
                area = drawn(held, g, left);
                labels = labels(rec, held, area, fm, rowH);
            }
            List<Rectangle2D> boxes = new ArrayList<>();
            g.setFont(LABEL_FONT); // the chart left its own
            for (EventLabels.Label l : labels.labels()) {
                Rectangle2D b = l.box();
                Rectangle2D box = new Rectangle2D.Double(b.getX(), area.getMinY() + 1 + b.getY(), b.getWidth(), b.getHeight());
                g.setColor(LABEL_BACKGROUND);
                g.fill(box);
                g.setColor(Color.BLACK);
                g.drawString(l.text(), (float) (box.getX() + EventLabels.PAD_PX),
                        (float) (box.getY() + (box.getHeight() - fm.getHeight()) / 2 + fm.getAscent()));
                boxes.add(box);
            }
            Rectangle2D rateArea = drawn(rate, g, right);
            List<String> keyLines = labels.key().isEmpty() ? List.of()
                    : wrap(c.id() + " events: ", labels.key(), g.getFontMetrics(KEY_FONT), width - 2 * MARGIN_PX);
            // The time spans as the drawn axes have them, not as asked: what the picture shows.
            ValueAxis heldT = held.getXYPlot().getDomainAxis();
            ValueAxis rateT = rate.getXYPlot().getDomainAxis();
            return new Row(img, List.of(
                    new Panel(c.id(), true, heldT.getLowerBound(), heldT.getUpperBound(), area, boxes, labels.key()),
                    new Panel(c.id(), false, rateT.getLowerBound(), rateT.getUpperBound(), rateArea, List.of(), List.of())),
                    keyLines);
        } finally {
            g.dispose();
        }
    }

    /** Draws {@code chart} into {@code where}; returns its data area (the axes' inside). */
    private static Rectangle2D drawn(JFreeChart chart, Graphics2D g, Rectangle2D where) {
        ChartRenderingInfo info = new ChartRenderingInfo();
        chart.draw(g, where, info);
        return (Rectangle2D) info.getPlotInfo().getDataArea().clone();
    }

    private static EventLabels.Layout labels(Recording rec, JFreeChart held, Rectangle2D area, FontMetrics fm, double rowH) {
        XYPlot p = held.getXYPlot();
        ValueAxis x = p.getDomainAxis();
        return EventLabels.layout(rec.events(), tSec -> x.valueToJava2D(tSec, area, p.getDomainAxisEdge()),
                area.getMinX(), area.getMaxX(), fm::stringWidth, rowH, LABEL_ROWS);
    }

    /**
     * {@code head} then {@code entries}, separated by a dot, in lines no wider than {@code widthPx}
     * (an entry wider than that alone on its line); an entry is never broken, so "8 fast writer 2
     * synced" reads as one.
     */
    static List<String> wrap(String head, List<String> entries, FontMetrics fm, int widthPx) {
        String sep = "  ·  ";
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(head);
        for (int i = 0; i < entries.size(); i++) {
            String joined = line + (i == 0 ? "" : sep) + entries.get(i);
            if (i > 0 && fm.stringWidth(joined) > widthPx) {
                lines.add(line.toString());
                line.setLength(0);
                line.append(entries.get(i));
            } else {
                line.setLength(0);
                line.append(joined);
            }
        }
        lines.add(line.toString());
        return lines;
    }

    private static int keyHeight(Row row, int lineH) {
        return row.keyLines().isEmpty() ? 0 : row.keyLines().size() * lineH + 8;
    }

    private static int lineHeight(Font f) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            return g.getFontMetrics(f).getHeight();
        } finally {
            g.dispose();
        }
    }

    private static Panel shifted(Panel p, int dy) {
        List<Rectangle2D> boxes = new ArrayList<>();
        for (Rectangle2D b : p.labelBoxes()) {
            boxes.add(new Rectangle2D.Double(b.getX(), b.getY() + dy, b.getWidth(), b.getHeight()));
        }
        Rectangle2D a = p.dataArea();
        return new Panel(p.configuration(), p.held(), p.tFromSec(), p.tToSec(),
                new Rectangle2D.Double(a.getX(), a.getY() + dy, a.getWidth(), a.getHeight()), boxes, p.key());
    }

    private static void antialias(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    }

    private static JFreeChart chart(Recording rec, Configuration c, List<String> devices, boolean held,
            double rateWindowSec, double tEnd) {
        double[] t = rec.time();
        XYSeriesCollection ds = new XYSeriesCollection();
        double peak = 0;
        for (String d : devices) {
            double[] y;
            if (held) {
                if (!rec.has(d + "." + Recording.DIRTY)) {
                    continue;
                }
                y = Metrics.sum(rec.column(d + "." + Recording.DIRTY), rec.column(d + "." + Recording.WRITEBACK));
            } else {
                String col = rec.has(d + "." + Recording.BACKEND_WRITTEN) ? d + "." + Recording.BACKEND_WRITTEN
                        : d + "." + Recording.WRITTEN;
                if (!rec.has(col)) {
                    continue;
                }
                y = Metrics.rate(t, rec.column(col), rateWindowSec);
            }
            XYSeries s = new XYSeries(d, false, true);
            for (int i = 0; i < t.length; i++) {
                if (!Double.isNaN(y[i])) {
                    s.add(t[i], y[i] / MIB);
                    peak = Math.max(peak, y[i] / MIB);
                }
            }
            ds.addSeries(s);
        }
        String what = held ? "dirty + writeback (MiB)" : "completed (MiB/s)";
        JFreeChart ch = ChartFactory.createXYLineChart(null, "time (s)", what, ds, PlotOrientation.VERTICAL,
                true, false, false);
        ch.setTitle(new TextTitle(c.id() + " — " + what + ", peak " + Report.number(peak),
                new Font(Font.SANS_SERIF, Font.PLAIN, 13)));
        ch.setBackgroundPaint(Color.WHITE);
        XYPlot p = ch.getXYPlot();
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        p.getDomainAxis().setRange(0, tEnd);
        XYLineAndShapeRenderer rr = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < ds.getSeriesCount(); i++) {
            rr.setSeriesPaint(i, COLORS[i % COLORS.length]);
            rr.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        p.setRenderer(rr);
        for (Recording.Event e : rec.events()) {
            // Lines only: the labels are laid out apart (EventLabels), JFreeChart's would overprint.
            p.addDomainMarker(new ValueMarker(e.tSec(), Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f)));
        }
        return ch;
    }
}
