package org.edgetorch.study;

import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.data.category.CategoryDataset;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Bars (the median) with a whisker per bar from a low to a high value (p10 to p90). */
final class WhiskerBarRenderer extends BarRenderer {
    private final Map<List<Comparable<?>>, double[]> whiskers = new HashMap<>();

    void whisker(Comparable<?> series, Comparable<?> category, double low, double high) {
        whiskers.put(List.of(series, category), new double[]{low, high});
    }

    /** The highest whisker end, so the value axis can be made to include it. */
    double maxWhisker() {
        return whiskers.values().stream().mapToDouble(w -> w[1]).max().orElse(1);
    }

    /** The lowest whisker end (positive for latencies), for a log-scale axis's lower bound. */
    double minWhisker() {
        return whiskers.values().stream().mapToDouble(w -> w[0]).filter(v -> v > 0).min().orElse(1);
    }

    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
                         CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column,
                         int pass) {
        super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
        int visibleRow = state.getVisibleSeriesIndex(row);
        double[] w = whiskers.get(List.of(dataset.getRowKey(row), dataset.getColumnKey(column)));
        if (visibleRow < 0 || w == null || dataset.getValue(row, column) == null) return;
        PlotOrientation orientation = plot.getOrientation();
        double barW0 = calculateBarW0(plot, orientation, dataArea, domainAxis, state, visibleRow, column);
        double mid = barW0 + state.getBarWidth() / 2;
        double cap = state.getBarWidth() / 4;
        double lo = rangeAxis.valueToJava2D(w[0], dataArea, plot.getRangeAxisEdge());
        double hi = rangeAxis.valueToJava2D(w[1], dataArea, plot.getRangeAxisEdge());
        g2.setPaint(Color.DARK_GRAY);
        g2.setStroke(new BasicStroke(1.5f));
        if (orientation == PlotOrientation.HORIZONTAL) {
            g2.draw(new Line2D.Double(lo, mid, hi, mid));
            g2.draw(new Line2D.Double(lo, mid - cap, lo, mid + cap));
            g2.draw(new Line2D.Double(hi, mid - cap, hi, mid + cap));
        } else {
            g2.draw(new Line2D.Double(mid, lo, mid, hi));
            g2.draw(new Line2D.Double(mid - cap, lo, mid + cap, lo));
            g2.draw(new Line2D.Double(mid - cap, hi, mid + cap, hi));
        }
    }
}
