package org.vertxetcd.discovery.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rows of the benchmark's table: each a measurement of ours, the reference measured side by side in the same
 * run, their ratio and the target this project sets itself.
 */
final class Results {

  /**
   * One row.
   *
   * @param workload  what was measured
   * @param metric    which figure, with its unit
   * @param ours      our figure
   * @param reference the reference's figure, {@code NaN} when the target is absolute
   * @param referenceName what the reference is
   * @param ratio     the figure the target is about
   * @param target    the target, in words
   * @param met       whether the target is met
   */
  record Row(String workload, String metric, double ours, double reference, String referenceName, double ratio,
             String target, boolean met) {
  }

  private final List<Row> rows = new ArrayList<>();

  void add(Row row) {
    rows.add(row);
    System.out.println("  " + format(row));
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  /** @return the table in Markdown */
  String table() {
    StringBuilder table = new StringBuilder();
    table.append("| workload | metric | ours | reference | ratio | target | met |\n");
    table.append("|---|---|---:|---:|---:|---|---|\n");
    for (Row row : rows) {
      table.append("| ").append(row.workload()).append(" | ").append(row.metric()).append(" | ")
        .append(number(row.ours())).append(" | ")
        .append(Double.isNaN(row.reference()) ? "-" : number(row.reference()) + " (" + row.referenceName() + ")")
        .append(" | ").append(Double.isNaN(row.ratio()) ? "-" : String.format(Locale.ROOT, "%.2fx", row.ratio()))
        .append(" | ").append(row.target()).append(" | ").append(row.met() ? "yes" : "**no**").append(" |\n");
    }
    return table.toString();
  }

  private static String format(Row row) {
    return row.workload() + " / " + row.metric() + ": ours " + number(row.ours())
      + (Double.isNaN(row.reference()) ? "" : ", " + row.referenceName() + " " + number(row.reference()))
      + (Double.isNaN(row.ratio()) ? "" : String.format(Locale.ROOT, ", ratio %.2f", row.ratio()))
      + " (target: " + row.target() + ", " + (row.met() ? "met" : "NOT met") + ")";
  }

  static String number(double value) {
    if (value >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (value >= 1) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
