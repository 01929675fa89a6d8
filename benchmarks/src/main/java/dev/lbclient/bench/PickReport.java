package dev.lbclient.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * Turns JMH's JSON ({@code jmh-picks.json}) into a Markdown table and a bar chart, from the JSON
 * alone, so a report can be regenerated without rerunning:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.bench.PickReport \
 *     benchmarks/results/jmh-picks.json [--profile NAME] [--note "how the machine was"]
 * </pre>
 */
public final class PickReport {
  private PickReport() {}

  /** One measured combination. */
  record Row(String impl, int endpoints, String weights, int threads, double score, double error,
      String unit, double bytesPerOp) {

    boolean lease() {
      return impl.equals("floor.lease") || (impl.startsWith("lbclient.") || impl.startsWith("proto."))
          && !impl.contains(".picker.");
    }

    String floorName() {
      return lease() ? "floor.lease" : "floor";
    }
  }

  public static void main(String[] args) throws IOException {
    Path json = Paths.get("benchmarks/results/jmh-picks.json");
    String profile = "";
    String note = "";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--profile" -> profile = args[++i];
        case "--note" -> note = args[++i];
        default -> json = Paths.get(args[i]);
      }
    }
    String base = json.getFileName().toString().replaceFirst("\\.json$", "");
    write(json, json.resolveSibling(base + ".md"), json.resolveSibling(base + ".png"), profile,
        List.of(), note);
  }

  static void write(Path json, Path markdown, Path png, String profile, List<String> missing,
      String note) throws IOException {
    JsonArray runs;
    try (Reader reader = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
      runs = JsonParser.parseReader(reader).getAsJsonArray();
    }
    List<Row> rows = rows(runs);
    Files.writeString(markdown, markdown(runs, rows, profile, missing, note),
        StandardCharsets.UTF_8);
    chart(rows, png);
  }

  static List<Row> rows(JsonArray runs) {
    List<Row> rows = new ArrayList<>();
    for (JsonElement e : runs) {
      JsonObject run = e.getAsJsonObject();
      JsonObject params = run.getAsJsonObject("params");
      JsonObject primary = run.getAsJsonObject("primaryMetric");
      double bytes = Double.NaN;
      JsonObject secondary = run.getAsJsonObject("secondaryMetrics");
      if (secondary != null) {
        for (String name : new String[] {"gc.alloc.rate.norm", "·gc.alloc.rate.norm"}) {
          if (secondary.has(name)) {
            bytes = number(secondary.getAsJsonObject(name).get("score"));
          }
        }
      }
      rows.add(new Row(params.get("impl").getAsString(),
          Integer.parseInt(params.get("endpoints").getAsString()),
          params.get("weights").getAsString(), run.get("threads").getAsInt(),
          number(primary.get("score")), number(primary.get("scoreError")),
          primary.get("scoreUnit").getAsString(), bytes));
    }
    List<String> order = Targets.all();
    rows.sort(Comparator.comparing(Row::lease)
        .thenComparing(r -> order.indexOf(r.impl()) < 0 ? Integer.MAX_VALUE : order.indexOf(r.impl()))
        .thenComparing(Row::impl)
        .thenComparingInt(Row::endpoints)
        .thenComparing(Row::weights)
        .thenComparingInt(Row::threads));
    return rows;
  }

  private static double number(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return Double.NaN;
    }
    String s = e.getAsString();
    return s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
  }

  static String markdown(JsonArray runs, List<Row> rows, String profile, List<String> missing,
      String note) {
    StringBuilder md = new StringBuilder();
    md.append("# Pick cost (JMH)\n\n");
    if (!note.isEmpty()) {
      md.append("**").append(note).append("**\n\n");
    }
    if (runs.size() > 0) {
      JsonObject first = runs.get(0).getAsJsonObject();
      md.append("JMH ").append(first.get("jmhVersion").getAsString())
          .append(", ").append(first.get("vmName").getAsString())
          .append(' ').append(first.get("vmVersion").getAsString())
          .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs")
          .append(profile.isEmpty() ? "" : ", profile `" + profile + "`")
          .append(": ").append(first.get("forks").getAsInt()).append(" fork(s), ")
          .append(first.get("warmupIterations").getAsInt()).append(" x ")
          .append(first.get("warmupTime").getAsString()).append(" warmup, ")
          .append(first.get("measurementIterations").getAsInt()).append(" x ")
          .append(first.get("measurementTime").getAsString()).append(" measurement, `-prof gc`.")
          .append(" Average time per pick; ± is JMH's 99.9% confidence half-width;")
          .append(" B/op is `gc.alloc.rate.norm`; × floor is the ratio to the floor run at the same")
          .append(" endpoints and threads (the floors ignore weights).\n\n");
    }
    section(md, "Picker alone (beside `floor`)", rows.stream().filter(r -> !r.lease()).toList(), rows);
    section(md, "Full lease: pick + success (beside `floor.lease`)",
        rows.stream().filter(Row::lease).toList(), rows);
    if (!missing.isEmpty()) {
      md.append("No result (the run failed; see the console log): ")
          .append(String.join(", ", missing)).append("\n");
    }
    return md.toString();
  }

  private static void section(StringBuilder md, String title, List<Row> section, List<Row> all) {
    if (section.isEmpty()) {
      return;
    }
    md.append("## ").append(title).append("\n\n");
    md.append("| impl | endpoints | weights | threads | ns/op | ± | × floor | B/op |\n");
    md.append("|---|---:|---|---:|---:|---:|---:|---:|\n");
    for (Row r : section) {
      // The floors ignore weights: prefer the floor run with the same weights, else any.
      Optional<Row> floor = all.stream()
          .filter(f -> f.impl().equals(r.floorName()) && f.endpoints() == r.endpoints()
              && f.threads() == r.threads())
          .min(Comparator.comparing(f -> f.weights().equals(r.weights()) ? 0 : 1));
      String ratio = floor.map(f -> String.format(Locale.ROOT, "%.1f", r.score() / f.score()))
          .orElse("");
      md.append("| ").append(r.impl())
          .append(" | ").append(r.endpoints())
          .append(" | ").append(r.weights())
          .append(" | ").append(r.threads())
          .append(" | ").append(format(r.score()))
          .append(" | ").append(format(r.error()))
          .append(" | ").append(ratio)
          .append(" | ").append(bytes(r.bytesPerOp()))
          .append(" |\n");
    }
    md.append('\n');
  }

  static String format(double ns) {
    if (Double.isNaN(ns)) {
      return "n/a";
    }
    if (ns < 10) {
      return String.format(Locale.ROOT, "%.2f", ns);
    }
    if (ns < 100) {
      return String.format(Locale.ROOT, "%.1f", ns);
    }
    return String.format(Locale.ROOT, "%,.0f", ns);
  }

  static String bytes(double b) {
    if (Double.isNaN(b)) {
      return "n/a";
    }
    if (b < 1) {
      return String.format(Locale.ROOT, "%.3f", b);
    }
    return b < 10 ? String.format(Locale.ROOT, "%.1f", b) : String.format(Locale.ROOT, "%,.0f", b);
  }

  /**
   * One bar per implementation at the most measured pool size with equal weights, one series per
   * thread count, on a log scale (the figures span four orders of magnitude).
   */
  static void chart(List<Row> rows, Path png) throws IOException {
    Map<Integer, Long> perSize = new TreeMap<>();
    for (Row r : rows) {
      if (r.weights().equals("equal")) {
        perSize.merge(r.endpoints(), 1L, Long::sum);
      }
    }
    int size = perSize.entrySet().stream()
        .max(Map.Entry.<Integer, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey).orElse(100);
    List<Row> shown = rows.stream()
        .filter(r -> r.endpoints() == size && r.weights().equals("equal")).toList();
    List<String> impls = shown.stream().map(Row::impl).distinct().toList();
    Map<Integer, Map<String, Double>> byThreads = new TreeMap<>();
    for (Row r : shown) {
      byThreads.computeIfAbsent(r.threads(), t -> new LinkedHashMap<>()).put(r.impl(), r.score());
    }
    CategoryChart chart = new CategoryChartBuilder()
        .width(Math.max(900, 34 * impls.size() + 200)).height(720)
        .title("Cost of one pick, " + size + " endpoints, equal weights (log scale)")
        .xAxisTitle("implementation (picker alone | full lease)").yAxisTitle("ns per pick")
        .build();
    CategoryStyler styler = chart.getStyler();
    styler.setYAxisLogarithmic(true);
    // Bars grow from the axis minimum; on a log axis it must be positive.
    // Whole decades at both ends, so that the axis is labelled at least twice.
    double low = shown.stream().mapToDouble(Row::score).filter(v -> v > 0).min().orElse(1.0);
    double high = shown.stream().mapToDouble(Row::score).max().orElse(10.0);
    styler.setYAxisMin(Math.pow(10, Math.floor(Math.log10(low))));
    styler.setYAxisMax(Math.pow(10, Math.max(Math.ceil(Math.log10(high)),
        Math.floor(Math.log10(low)) + 1)));
    styler.setXAxisLabelRotation(75);
    styler.setLegendPosition(Styler.LegendPosition.InsideNW);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotGridVerticalLinesVisible(false);
    styler.setAvailableSpaceFill(0.8);
    styler.setOverlapped(false);
    styler.setSeriesColors(new Color[] {
        new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e), new Color(0x2c, 0xa0, 0x2c)});
    if (impls.isEmpty()) {
      chart.addSeries("no data", List.of("none"), List.of(1.0));
    }
    for (Map.Entry<Integer, Map<String, Double>> e : byThreads.entrySet()) {
      List<Double> values = new ArrayList<>();
      for (String impl : impls) {
        values.add(e.getValue().get(impl));
      }
      chart.addSeries(e.getKey() + (e.getKey() == 1 ? " thread" : " threads"), impls, values);
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
