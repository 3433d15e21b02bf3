package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;
import org.edgetorch.util.AtomicFiles;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's PNG charts, drawn with JFreeChart off-screen (headless): latency per variant (median bars,
 * p10–p90 whiskers, one series per thread count, and PyTorch's figures beside them when Python ran) and
 * file size per variant (with the study's reference sizes).
 */
public final class ReportCharts {
    public static final String LATENCY = "latency.png";
    public static final String SIZE = "size.png";
    public static final String MEMORY = "memory.png";
    static final int WIDTH = 1000;
    /** Latencies spanning more than this factor get a log-scale axis. */
    static final double LOG_SCALE_SPAN = 30;

    private static final Color[] EDGETORCH = {new Color(0x1f77b4), new Color(0x6baed6), new Color(0x08519c), new Color(0x9ecae1)};
    private static final Color[] PYTHON = {new Color(0xff7f0e), new Color(0xfdae6b), new Color(0xa63603), new Color(0xfdd0a2)};
    private static final Color REFERENCE = new Color(0xbdbdbd);

    static {
        // No display on servers and CI: draw into images only.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private ReportCharts() {
    }

    /** Writes the charts into {@code dir}; returns their file names (a chart with no data is left out). */
    public static List<String> write(StudyResult r, Path dir) {
        List<String> written = new ArrayList<>();
        JFreeChart latency = latencyChart(r);
        if (latency != null) {
            save(latency, dir.resolve(LATENCY), heightFor(latency));
            written.add(LATENCY);
        }
        JFreeChart size = sizeChart(r);
        if (size != null) {
            save(size, dir.resolve(SIZE), heightFor(size));
            written.add(SIZE);
        }
        JFreeChart memory = memoryChart(r);
        if (memory != null) {
            save(memory, dir.resolve(MEMORY), heightFor(memory));
            written.add(MEMORY);
        }
        return written;
    }

    static JFreeChart latencyChart(StudyResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        WhiskerBarRenderer renderer = new WhiskerBarRenderer();
        List<Color> colors = new ArrayList<>();
        for (int i = 0; i < r.threads().size(); i++) {
            int t = r.threads().get(i);
            String series = "edgetorch (LibTorch " + r.machine().libtorch() + "), " + ReportMarkdown.threads(t);
            boolean any = false;
            for (Variant v : r.variants()) {
                Latency l = r.latency(v.id(), t, "dummy");
                if (l == null) continue;
                data.addValue(l.medianMs(), series, v.label());
                renderer.whisker(series, v.label(), l.p10Ms(), l.p90Ms());
                any = true;
            }
            if (any) colors.add(EDGETORCH[i % EDGETORCH.length]);
        }
        PythonResult p = r.python();
        if (p != null && p.ran()) {
            for (int i = 0; i < r.threads().size(); i++) {
                int t = r.threads().get(i);
                String series = "PyTorch " + p.torch() + " (Python), " + ReportMarkdown.threads(t);
                boolean any = false;
                for (Latency l : p.latency()) {
                    Variant v = r.variant(l.variant());
                    if (l.threads() != t || !l.input().equals("dummy") || v == null) continue;
                    data.addValue(l.medianMs(), series, v.label());
                    renderer.whisker(series, v.label(), l.p10Ms(), l.p90Ms());
                    any = true;
                }
                if (any) colors.add(PYTHON[i % PYTHON.length]);
            }
        }
        if (data.getRowCount() == 0) return null;
        JFreeChart chart = chart(r.weights().arch() + " latency per variant, dummy input", data, renderer, colors,
                "milliseconds (bar: median; whisker: p10 to p90)");
        if (renderer.maxWhisker() / renderer.minWhisker() > LOG_SCALE_SPAN) {
            // a 5 ms INT8 bar beside a 1 s one is invisible on a linear axis
            LogAxis log = new LogAxis("milliseconds, log scale (bar: median; whisker: p10 to p90)");
            log.setBase(10);
            log.setNumberFormatOverride(new DecimalFormat("0.#"));
            log.setTickUnit(new NumberTickUnit(1));  // one label per decade: 1, 10, 100 ms
            log.setMinorTickCount(9);
            log.setMinorTickMarksVisible(true);
            log.setRange(renderer.minWhisker() / 1.5, renderer.maxWhisker() * 1.5);
            chart.getCategoryPlot().setRangeAxis(log);
        } else {
            // the axis fits the bars by itself, not the whiskers
            chart.getCategoryPlot().getRangeAxis().setUpperBound(renderer.maxWhisker() * 1.05);
        }
        chart.addSubtitle(subtitle(r));
        return chart;
    }

    static JFreeChart sizeChart(StudyResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        BarRenderer renderer = new BarRenderer();
        List<Color> colors = new ArrayList<>();
        String ours = "edgetorch";
        for (Variant v : r.variants()) {
            if (v.bytes() != null) data.addValue(v.bytes() / 1e6, ours, v.label());
        }
        if (data.getRowCount() == 0) return null;
        colors.add(EDGETORCH[0]);
        PythonResult p = r.python();
        if (p != null && p.ran()) {
            String series = "PyTorch " + p.torch() + " (Python, this machine)";
            boolean any = false;
            for (Variant pv : p.variants()) {
                Variant v = r.variant(pv.id());
                if (v == null || v.bytes() == null || pv.bytes() == null) continue;
                data.addValue(pv.bytes() / 1e6, series, v.label());
                any = true;
            }
            if (any) colors.add(PYTHON[0]);
        }
        String ref = "the study (Python, another machine)";
        boolean anyRef = false;
        for (Variant v : r.variants()) {
            ReferenceFigures.Figure f = ReferenceFigures.of(r.weights().arch(), v.id());
            if (v.bytes() == null || f == null || f.sizeMb() == null) continue;
            data.addValue(f.sizeMb(), ref, v.label());
            anyRef = true;
        }
        if (anyRef) colors.add(REFERENCE);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font("SansSerif", Font.PLAIN, 11));
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        JFreeChart chart = chart(r.weights().arch() + " file size per variant", data, renderer, colors, "MB (10^6 bytes)");
        NumberAxis axis = (NumberAxis) chart.getCategoryPlot().getRangeAxis();
        axis.setUpperMargin(0.1);  // room for the labels
        chart.addSubtitle(subtitle(r));
        return chart;
    }

    /** RSS after load and peak RSS per variant, at each thread count that has resource runs. */
    static JFreeChart memoryChart(StudyResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        BarRenderer renderer = new BarRenderer();
        List<Color> colors = new ArrayList<>();
        for (int i = 0; i < r.threads().size(); i++) {
            int t = r.threads().get(i);
            String after = "RSS after load, " + ReportMarkdown.threads(t);
            String peak = "peak RSS, " + ReportMarkdown.threads(t);
            boolean any = false;
            for (Variant v : r.variants()) {
                Latency l = r.latency(v.id(), t, "dummy");
                if (l == null || l.resources() == null || l.resources().error() != null || l.resources().peakRssBytes() < 0) continue;
                data.addValue(l.resources().rssAfterLoadBytes() / 1048576.0, after, v.label());
                data.addValue(l.resources().peakRssBytes() / 1048576.0, peak, v.label());
                any = true;
            }
            if (any) {
                colors.add(EDGETORCH[(2 * i) % EDGETORCH.length]);
                colors.add(PYTHON[(2 * i) % PYTHON.length]);
            }
        }
        if (data.getRowCount() == 0) return null;
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font("SansSerif", Font.PLAIN, 11));
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        JFreeChart chart = chart(r.weights().arch() + " resident memory per variant (each alone in a child process)", data, renderer,
                colors, "MiB (2^20 bytes)");
        ((NumberAxis) chart.getCategoryPlot().getRangeAxis()).setUpperMargin(0.1);
        chart.addSubtitle(subtitle(r));
        return chart;
    }

    /** The horizontal bar chart every report draws (study, remote, zoo): one style, series coloured in order. */
    static JFreeChart chart(String title, DefaultCategoryDataset data, BarRenderer renderer, List<Color> colors,
                            String valueLabel) {
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(false);
        renderer.setItemMargin(0.05);
        renderer.setMaximumBarWidth(0.12);
        for (int i = 0; i < colors.size(); i++) renderer.setSeriesPaint(i, colors.get(i));
        CategoryAxis categories = new CategoryAxis();
        categories.setMaximumCategoryLabelWidthRatio(0.35f);
        categories.setTickLabelFont(new Font("SansSerif", Font.PLAIN, 12));
        NumberAxis values = new NumberAxis(valueLabel);
        values.setAutoRangeIncludesZero(true);
        CategoryPlot plot = new CategoryPlot(data, categories, values, renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xd0d0d0));
        plot.setOutlineVisible(false);
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        return chart;
    }

    private static TextTitle subtitle(StudyResult r) {
        MachineInfo m = r.machine();
        String text = m.cpuModel() + ", " + m.platform() + ", LibTorch " + m.libtorch()
                + (r.weights().trained() ? "" : "; untrained weights") + (r.quick() ? "; quick run (indicative only)" : "");
        return new TextTitle(text, new Font("SansSerif", Font.PLAIN, 12));
    }

    /** Tall enough for every bar to be readable. */
    static int heightFor(JFreeChart chart) {
        CategoryPlot plot = chart.getCategoryPlot();
        int bars = plot.getDataset().getColumnCount() * Math.max(1, plot.getDataset().getRowCount());
        return Math.max(360, Math.min(2400, 170 + 26 * bars + 14 * plot.getDataset().getColumnCount()));
    }

    private static void save(JFreeChart chart, Path target, int height) {
        AtomicFiles.write(target, tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, height));
    }
}
