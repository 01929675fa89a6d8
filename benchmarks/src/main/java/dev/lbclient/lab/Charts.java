package dev.lbclient.lab;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The lab's PNG charts, drawn with XChart. */
final class Charts {
  /**
   * For the lab mains: charts drawn without a display, and the library's own warnings (thousands
   * of ejection and breaker lines under these loads; the labs count them through listeners) kept
   * to errors unless the user chose a level.
   */
  static void quietAndHeadless() {
    if (System.getProperty("org.slf4j.simpleLogger.log.dev.lbclient") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.dev.lbclient", "error");
    }
    System.setProperty("java.awt.headless", "true");
  }

  private static final int WIDTH = 1100;
  private static final int HEIGHT = 650;
  /** The CDF is drawn up to the 99.99th percentile: four nines. */
  private static final double MAX_NINES = 4;
  private static final Color[] PALETTE = {
      new Color(0xd62728), new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
      new Color(0xbcbd22), new Color(0x17becf), new Color(0x393b79), new Color(0x000000)};

  private Charts() {}

  /**
   * Latency against percentile, one line per contender. The x axis counts nines, -log10(1 - p):
   * 90%, 99%, 99.9% and 99.99% are evenly spaced, so the tail gets the room (XChart's own log
   * axis cannot take custom labels, hence the transform).
   */
  static void latencyCdf(Scenario scenario, List<RunResult> runs, Path file) throws IOException {
    List<Series> series = new ArrayList<>();
    for (RunResult run : runs) {
      series.add(new Series(run.contender(), run.latencyMicros()));
    }
    latencyCdf(scenario.name + ": latency by percentile, " + SimRun.CLIENTS + " clients", series,
        Contender.DEFAULT, Contender.ORACLE, file);
  }

  /** One line of a latency chart: a name and its latencies in microseconds. */
  record Series(String name, Histogram latencyMicros) {}

  /**
   * Latency against percentile, one line per series, as above; {@code bold} names the series
   * drawn thick (the default strategy) and {@code dashed} the one drawn as a black dashed line
   * (the oracle, or the reference balancer); either may match nothing.
   */
  static void latencyCdf(String title, List<Series> runs, String bold, String dashed, Path file)
      throws IOException {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title(title)
        .xAxisTitle("percentile").yAxisTitle("latency (ms, log scale)").build();
    XYStyler styler = chart.getStyler();
    styler.setYAxisLogarithmic(true);
    styler.setxAxisTickLabelsFormattingFunction(Charts::percentileLabel);
    styler.setXAxisTickMarkSpacingHint(120);
    styler.setXAxisMin(0.0);
    styler.setXAxisMax(MAX_NINES);
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(13f));
    styler.setMarkerSize(0);
    styler.setSeriesColors(PALETTE);
    for (Series run : runs) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      cdfPoints(run.latencyMicros(), xs, ys);
      XYSeries series = chart.addSeries(run.name(), xs, ys);
      series.setMarker(SeriesMarkers.NONE);
      if (run.name().equals(dashed)) {
        series.setLineStyle(SeriesLines.DASH_DASH);
        series.setLineColor(Color.BLACK);
      } else if (run.name().equals(bold)) {
        series.setLineStyle(new BasicStroke(3f));
      }
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void cdfPoints(Histogram h, List<Double> xs, List<Double> ys) {
    for (HistogramIterationValue v : h.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo();
      if (p >= 100) {
        break;
      }
      double x = -Math.log10(1.0 - p / 100.0);
      if (x > MAX_NINES) {
        break;
      }
      xs.add(x);
      ys.add(Math.max(0.001, v.getValueIteratedTo() / 1000.0));
    }
    xs.add(MAX_NINES);
    ys.add(Math.max(0.001, h.getValueAtPercentile(99.99) / 1000.0));
  }

  /** "90%" for one nine, "99.9%" for three; blank between whole nines. */
  private static String percentileLabel(double nines) {
    long whole = Math.round(nines);
    if (Math.abs(nines - whole) > 1e-9 || whole < 0) {
      return "";
    }
    if (whole == 0) {
      return "0%";
    }
    if (whole == 1) {
      return "90%";
    }
    String nines9 = "9".repeat((int) whole);
    return nines9.substring(0, 2) + (whole > 2 ? "." + nines9.substring(2) : "") + "%";
  }

  /** Requests per second sent to each server (slot) over time, for one contender. */
  static void serverLoad(Scenario scenario, RunResult run, Path file) throws IOException {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title(scenario.name + ": requests per second to each server, " + run.contender())
        .xAxisTitle("time (s)").yAxisTitle("attempts per second").build();
    XYStyler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(13f));
    styler.setMarkerSize(0);
    styler.setSeriesColors(PALETTE);
    long[][] load = run.load();
    double bucketSeconds = run.bucketNanos() / 1e9;
    int servers = load[0].length;
    for (int slot = 0; slot < servers; slot++) {
      double[] xs = new double[load.length];
      double[] ys = new double[load.length];
      for (int b = 0; b < load.length; b++) {
        xs[b] = b * bucketSeconds;
        ys[b] = load[b][slot] / bucketSeconds;
      }
      XYSeries series = chart.addSeries("server " + slot, xs, ys);
      series.setMarker(SeriesMarkers.NONE);
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * The share of attempts that went to a server in another zone than their client's, per second,
   * one line per client zone and a thick one for all clients.
   */
  static void crossZone(Scenario scenario, RunResult run, Path file) throws IOException {
    XYChart chart = crossZoneChart(scenario.name + ": share of attempts to another zone, "
        + run.contender());
    int buckets = run.zoneAttempts().length;
    for (int z = -1; z < run.zones().size(); z++) {
      XYSeries series = addCrossZone(chart, run, z,
          z < 0 ? "all clients" : "clients in zone " + run.zones().get(z), buckets);
      if (z < 0) {
        series.setLineStyle(new BasicStroke(3f));
        series.setLineColor(Color.BLACK);
      }
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** The share of attempts to another zone over time, one line per run (all its clients). */
  static void crossZoneCompared(List<RunResult> runs, Path file) throws IOException {
    XYChart chart = crossZoneChart("share of attempts to another zone, all clients, "
        + runs.get(0).contender());
    for (RunResult run : runs) {
      addCrossZone(chart, run, -1, run.scenario(), run.zoneAttempts().length);
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart crossZoneChart(String title) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title(title)
        .xAxisTitle("time (s)").yAxisTitle("cross-zone share of attempts").build();
    XYStyler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(13f));
    styler.setMarkerSize(0);
    styler.setSeriesColors(PALETTE);
    styler.setYAxisMin(0.0);
    styler.setYAxisMax(1.0);
    return chart;
  }

  private static XYSeries addCrossZone(XYChart chart, RunResult run, int zone, String name,
      int buckets) {
    double bucketSeconds = run.bucketNanos() / 1e9;
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int b = 0; b < buckets; b++) {
      double share = run.crossZoneFraction(b, b + 1, zone);
      if (!Double.isNaN(share)) {
        xs.add(b * bucketSeconds);
        ys.add(share);
      }
    }
    XYSeries series = chart.addSeries(name, xs, ys);
    series.setMarker(SeriesMarkers.NONE);
    return series;
  }
}
