package org.vertxetcd.discovery.impl.routing;

import org.vertxetcd.discovery.InstanceStatistics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Per-instance counts and recent latencies of the requests this node's clients sent through a resolver: the last
 * {@value #RECENT} latencies of each instance give its percentiles. Instances the registry no longer reports are
 * forgotten, so it holds at most the instances a resolver has seen live.
 */
final class Statistics {

  /** Latencies kept per instance: the percentiles are of the recent requests. */
  static final int RECENT = 512;

  /** One instance's counts and ring of recent latencies. */
  private static final class Instance {
    private final String name;
    private final long[] latencies = new long[RECENT];
    private long requests;
    private long failures;

    private Instance(String name) {
      this.name = name;
    }

    private synchronized void answered(long nanos) {
      latencies[(int) (requests % RECENT)] = nanos;
      requests++;
    }

    private synchronized void failed() {
      failures++;
    }

    private synchronized InstanceStatistics snapshot(String registration, boolean ejected) {
      int count = (int) Math.min(requests, RECENT);
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return new InstanceStatistics(name, registration, requests, failures, percentile(sorted, 0.50),
        percentile(sorted, 0.99), ejected);
    }

    private static double percentile(long[] sorted, double rank) {
      return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(rank * sorted.length) - 1)]
        / 1e6;
    }
  }

  private final Map<String, Instance> instances = new ConcurrentHashMap<>();

  void reported(String service, Iterable<String> registrations) {
    registrations.forEach(registration -> instances.computeIfAbsent(registration, r -> new Instance(service)));
  }

  void left(Iterable<String> registrations) {
    registrations.forEach(instances::remove);
  }

  void answered(String registration, long nanos) {
    Instance instance = instances.get(registration);
    if (instance != null) {
      instance.answered(nanos);
    }
  }

  void failed(String registration) {
    Instance instance = instances.get(registration);
    if (instance != null) {
      instance.failed();
    }
  }

  List<InstanceStatistics> snapshot(Predicate<String> ejected) {
    List<InstanceStatistics> all = new ArrayList<>();
    instances.forEach((registration, instance) -> all.add(instance.snapshot(registration,
      ejected.test(registration))));
    return all;
  }
}
