package org.edgetorch.study;

import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.remote.Fleet;
import org.edgetorch.util.AtomicFiles;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;

/**
 * {@code edgetorch remote}'s chart: median latency per variant (categories) and machine (series: the
 * reference first, in grey, then each board that came back), drawn headless like the study's charts.
 */
public final class RemoteChart {
    public static final String LATENCY = "latency.png";
    private static final Color REFERENCE = new Color(0x9e9e9e);
    private static final Color[] BOARDS = {new Color(0xd62728), new Color(0x2ca02c), new Color(0x1f77b4), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private RemoteChart() {
    }

    /** Writes the chart into {@code dir}; returns its file name, or nothing when no board has latency. */
    public static List<String> write(Fleet f, Path dir) {
        JFreeChart c = chart(f);
        if (c == null) return List.of();
        int bars = c.getCategoryPlot().getDataset().getColumnCount() * c.getCategoryPlot().getDataset().getRowCount();
        int height = Math.max(360, Math.min(2400, 170 + 24 * bars));
        AtomicFiles.write(dir.resolve(LATENCY), tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), c, ReportCharts.WIDTH, height));
        return List.of(LATENCY);
    }

    static JFreeChart chart(Fleet f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        BarRenderer renderer = new BarRenderer();
        double min = Double.POSITIVE_INFINITY, max = 0;
        String refSeries = "reference: " + f.reference().machine().get("platform");
        boolean anyBoard = false;
        for (var v : f.reference().variants()) {
            if (v.latency() == null) continue;
            data.addValue(v.latency().medianMs(), refSeries, v.name());
            min = Math.min(min, v.latency().medianMs());
            max = Math.max(max, v.latency().medianMs());
        }
        int series = data.getRowCount(), boards = 0;
        if (series == 1) renderer.setSeriesPaint(0, REFERENCE);
        for (Fleet.Entry e : f.hosts()) {
            if (e.comparison() == null) continue;
            String name = e.result().host().label() + (e.comparison().other().get("emulation") != null ? " (emulated)" : "");
            boolean any = false;
            for (CrossComparison.VariantResult v : e.comparison().variants()) {
                if (v.otherMedianMs() == null) continue;
                data.addValue(v.otherMedianMs(), name, v.name());
                min = Math.min(min, v.otherMedianMs());
                max = Math.max(max, v.otherMedianMs());
                any = true;
            }
            if (any) {
                renderer.setSeriesPaint(series, BOARDS[boards++ % BOARDS.length]);
                series++;
                anyBoard = true;
            }
        }
        if (!anyBoard) return null;
        // the series' colours are set above, as boards come back
        JFreeChart chart = ReportCharts.chart("Latency per board and variant", data, renderer, List.of(), "milliseconds (median)");
        CategoryPlot plot = chart.getCategoryPlot();
        if (min > 0 && max / min > ReportCharts.LOG_SCALE_SPAN) {
            // an emulated board can be 100x the reference: a linear axis hides the fast bars
            LogAxis log = new LogAxis("milliseconds, log scale (median)");
            log.setBase(10);
            log.setNumberFormatOverride(new DecimalFormat("0.#"));
            log.setTickUnit(new NumberTickUnit(1));
            log.setMinorTickCount(9);
            log.setMinorTickMarksVisible(true);
            log.setRange(min / 1.5, max * 1.5);
            plot.setRangeAxis(log);
        }
        chart.addSubtitle(new TextTitle(f.plan().shape() + " dummy input, " + ReportMarkdown.threads(f.plan().threads()),
                new Font("SansSerif", Font.PLAIN, 12)));
        return chart;
    }
}
