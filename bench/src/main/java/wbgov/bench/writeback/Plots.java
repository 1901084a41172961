package wbgov.bench.writeback;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The plot of one scenario, drawn with JFreeChart: one row per configuration, two panels per
 * row — what each device holds (dirty + writeback, MiB) and what it completes (MiB/s) over
 * time — with the scenario's events (rate drops, writers starting and finishing) as vertical
 * lines. Every row has the same time axis, so configurations compare at a glance; the y axes
 * are each row's own, because the kernel defaults hold a hundred times what wbgov does and one
 * shared scale would flatten wbgov to a line on zero (each panel's title gives its peak).
 */
public final class Plots {
    private static final int PANEL_W = 640;
    private static final int PANEL_H = 250;
    private static final double MIB = 1024.0 * 1024.0;
    private static final Color[] COLORS = {
        new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b),
    };

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    /**
     * Draws {@code runs} (one row each) into {@code png}.
     *
     * @param devices the devices to draw, by column prefix ("slow", "fast")
     */
    public static void write(Path png, String title, List<RunResult> runs, List<String> devices, double rateWindowSec)
            throws IOException {
        int rows = 0;
        double tMax = 1;
        for (RunResult r : runs) {
            if (r.recording() != null && r.recording().size() > 0) {
                rows++;
                double[] t = r.recording().time();
                tMax = Math.max(tMax, t[t.length - 1]);
            }
        }
        rows = Math.max(rows, 1);
        int top = 36;
        BufferedImage img = new BufferedImage(2 * PANEL_W, top + rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString(title, 12, 25);
            int row = 0;
            for (RunResult r : runs) {
                Recording rec = r.recording();
                if (rec == null || rec.size() == 0) {
                    continue;
                }
                JFreeChart held = chart(rec, r.configuration(), devices, true, rateWindowSec, tMax);
                JFreeChart rate = chart(rec, r.configuration(), devices, false, rateWindowSec, tMax);
                held.draw(g, new Rectangle2D.Double(0, top + row * PANEL_H, PANEL_W, PANEL_H));
                rate.draw(g, new Rectangle2D.Double(PANEL_W, top + row * PANEL_H, PANEL_W, PANEL_H));
                row++;
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }

    private static JFreeChart chart(Recording rec, Configuration c, List<String> devices, boolean held,
            double rateWindowSec, double tMax) {
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
        p.getDomainAxis().setRange(0, tMax);
        XYLineAndShapeRenderer rr = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < ds.getSeriesCount(); i++) {
            rr.setSeriesPaint(i, COLORS[i % COLORS.length]);
            rr.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        p.setRenderer(rr);
        for (Recording.Event e : rec.events()) {
            ValueMarker m = new ValueMarker(e.tSec(), Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
            if (held) {
                m.setLabel(e.text());
                m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
                m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            }
            p.addDomainMarker(m);
        }
        return ch;
    }
}
