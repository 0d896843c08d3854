package org.vertxetcd.demo;

import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.InstanceStatistics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's traffic to each instance, from its resolver's {@link InstanceStatistics}: requests per second since
 * the previous sample, latency percentiles, failures, ejection; and the same summed per service. It keeps the counts
 * of the previous sample only, of the instances the resolver still reports.
 */
final class TrafficMeter {

  /** One sample: each instance's traffic by registration id, and each service's by name. */
  record Sample(Map<String, JsonObject> instances, Map<String, ServiceTraffic> services) {
  }

  /** A service's traffic: requests per second to all its instances, and the p99 latency of the slowest. */
  record ServiceTraffic(double requestsPerSecond, double slowestP99Millis) {
    ServiceTraffic plus(double requestsPerSecond, double p99Millis) {
      return new ServiceTraffic(this.requestsPerSecond + requestsPerSecond, Math.max(slowestP99Millis, p99Millis));
    }
  }

  private Map<String, Long> previousCounts = Map.of();
  private long previousNanos;

  /**
   * @param statistics what the resolver reports now
   * @param nowNanos   the time of this sample ({@link System#nanoTime()})
   * @return the traffic since the previous sample
   */
  Sample sample(List<InstanceStatistics> statistics, long nowNanos) {
    double seconds = previousNanos == 0 ? 0 : (nowNanos - previousNanos) / 1e9;
    Map<String, Long> counts = new HashMap<>();
    Map<String, JsonObject> instances = new TreeMap<>();
    Map<String, ServiceTraffic> services = new TreeMap<>();
    for (InstanceStatistics instance : statistics) {
      long count = instance.requests() + instance.failures();
      counts.put(instance.registration(), count);
      long previous = previousCounts.getOrDefault(instance.registration(), count);
      double perSecond = seconds > 0 ? (count - previous) / seconds : 0;
      instances.put(instance.registration(), instance.toJson().put("requestsPerSecond", perSecond));
      services.merge(instance.name(), new ServiceTraffic(perSecond, instance.latencyP99Millis()),
        (known, more) -> known.plus(more.requestsPerSecond(), more.slowestP99Millis()));
    }
    previousCounts = counts;
    previousNanos = nowNanos;
    return new Sample(instances, services);
  }
}
