package org.vertxetcd.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Each service's recent history, sampled by the gateway for the console's charts: its instances by status, the
 * gateway's requests per second to it and the p99 latency of its slowest instance. Bounded: {@link #WINDOW_MS} of
 * samples per service, for at most {@value #MAX_SERVICES} services; a service whose samples show no instance for a
 * whole window is forgotten. Used on the gateway's context only.
 */
final class ServiceSeries {

  /** How far back the history goes: 15 minutes. */
  static final long WINDOW_MS = 15 * 60 * 1_000;

  /** How many services are followed at most (more are counted, not charted): {@value}. */
  static final int MAX_SERVICES = 50;

  /** One sample of one service. */
  record Point(long timeMillis, InstanceTable.Counts counts, TrafficMeter.ServiceTraffic traffic) {
    boolean hasInstances() {
      return counts.up() + counts.outOfService() + counts.down() > 0;
    }

    JsonObject toJson() {
      return counts.toJson().put("time", timeMillis / 1000.0)
        .put("requestsPerSecond", traffic.requestsPerSecond()).put("p99Millis", traffic.slowestP99Millis());
    }
  }

  private final int pointsPerService;
  private final Map<String, Deque<Point>> series = new LinkedHashMap<>();
  private int untracked;

  /**
   * @param sampleMillis the time between two samples
   */
  ServiceSeries(long sampleMillis) {
    this.pointsPerService = (int) (WINDOW_MS / sampleMillis);
  }

  /**
   * @param timeMillis the time of the sample (epoch milliseconds)
   * @param counts     each service's instances by status
   * @param traffic    each service's traffic through the gateway
   * @return this sample's point of every service followed, by name
   */
  Map<String, Point> sample(long timeMillis, Map<String, InstanceTable.Counts> counts,
                            Map<String, TrafficMeter.ServiceTraffic> traffic) {
    Set<String> names = new TreeSet<>(series.keySet());
    names.addAll(counts.keySet());
    Map<String, Point> points = new LinkedHashMap<>();
    untracked = 0;
    for (String name : names) {
      if (!series.containsKey(name) && series.size() >= MAX_SERVICES) {
        untracked++;
        continue;
      }
      Point point = new Point(timeMillis, counts.getOrDefault(name, InstanceTable.Counts.NONE),
        traffic.getOrDefault(name, new TrafficMeter.ServiceTraffic(0, 0)));
      Deque<Point> history = series.computeIfAbsent(name, n -> new ArrayDeque<>());
      history.addLast(point);
      if (history.size() > pointsPerService) {
        history.removeFirst();
      }
      if (history.stream().noneMatch(Point::hasInstances)) {
        series.remove(name);
      } else {
        points.put(name, point);
      }
    }
    return points;
  }

  /**
   * @return {@code {"services": {"greeter": {"time": [...], "up": [...], "outOfService": [...], "down": [...],
   *     "requestsPerSecond": [...], "p99Millis": [...]}}, "untracked": 0, "maxServices": 50}}: columns, as charts
   *     take them; times in epoch seconds
   */
  JsonObject toJson() {
    JsonObject services = new JsonObject();
    series.forEach((name, points) -> {
      JsonObject columns = new JsonObject();
      points.forEach(point -> point.toJson().forEach(column -> {
        if (!columns.containsKey(column.getKey())) {
          columns.put(column.getKey(), new JsonArray());
        }
        columns.getJsonArray(column.getKey()).add(column.getValue());
      }));
      services.put(name, columns);
    });
    return new JsonObject().put("services", services).put("untracked", untracked).put("maxServices", MAX_SERVICES);
  }
}
