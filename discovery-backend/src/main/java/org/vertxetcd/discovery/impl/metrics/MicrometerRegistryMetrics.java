package org.vertxetcd.discovery.impl.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.impl.MicrometerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.impl.RegistryMetrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The registry's meters in a Micrometer registry, named as Vert.x names its own ({@code vertx.} and dots, which the
 * Prometheus registry turns into {@code vertx_etcd_discovery_*}, with {@code _total} for counters and
 * {@code _seconds} for timers). Every meter carries the tag {@code prefix}; other tags have a few known values only.
 * The meters without variable tags, and the counters of each known tag value, exist from the start.
 * <p>
 * Loaded only when Micrometer is on the class path.
 */
public final class MicrometerRegistryMetrics implements RegistryMetrics {

  private static final Logger LOG = LoggerFactory.getLogger(MicrometerRegistryMetrics.class);
  private static final String PREFIX_TAG = "prefix";

  private final MeterRegistry registry;
  private final Tags tags;
  private final List<Meter> meters = new ArrayList<>();
  private final Map<RegistryEventType, Counter> events = new EnumMap<>(RegistryEventType.class);
  private final Counter compactedResyncs;
  private final Counter leaseLosses;
  private final Counter reregistrations;
  private final Timer keepAliveConfirmed;
  private final Timer keepAliveFailed;
  private final Timer watchDelay;
  private final Counter ejections;
  private final Counter returns;
  private final Map<String, Timer> writes = new HashMap<>();

  private MicrometerRegistryMetrics(MeterRegistry registry, String prefix, Probes probes) {
    this.registry = registry;
    this.tags = Tags.of(PREFIX_TAG, prefix);
    gauge("vertx.etcd.discovery.records", "Records in this node's view (imports included) or registered by it",
      Tags.of("scope", "view"), probes, p -> p.viewRecords());
    gauge("vertx.etcd.discovery.records", "Records in this node's view (imports included) or registered by it",
      Tags.of("scope", "own"), probes, p -> p.ownRecords());
    gauge("vertx.etcd.discovery.healthy", "1 when the registry is healthy, else 0", Tags.empty(), probes,
      p -> p.healthy() ? 1 : 0);
    gauge("vertx.etcd.discovery.view.revision", "The etcd revision the view is at", Tags.empty(), probes,
      p -> p.viewRevision());
    meters.add(Gauge.builder("vertx.etcd.discovery.view.staleness", probes, Probes::stalenessSeconds)
      .description("Seconds since etcd last confirmed the view current: how stale lookups may be")
      .baseUnit("seconds").tags(tags).strongReference(true).register(registry));
    gauge("vertx.etcd.discovery.bad.keys", "Keys under the registry's ranges skipped as not a record", Tags.empty(),
      probes, p -> p.badKeys());
    for (RegistryEventType type : RegistryEventType.values()) {
      events.put(type, counter("vertx.etcd.discovery.events", "Events this node published",
        Tags.of("type", type.name())));
    }
    this.compactedResyncs = counter("vertx.etcd.discovery.resyncs", "Full re-lists of the view",
      Tags.of("reason", "compacted"));
    this.leaseLosses = counter("vertx.etcd.discovery.lease.losses", "Leases etcd reported lost", Tags.empty());
    this.reregistrations = counter("vertx.etcd.discovery.reregistrations",
      "Records registered again after a lease loss", Tags.empty());
    this.keepAliveConfirmed = timer("vertx.etcd.discovery.keepalive", "Keep-alive round trips",
      Tags.of("outcome", "success"));
    this.keepAliveFailed = timer("vertx.etcd.discovery.keepalive", "Keep-alive round trips",
      Tags.of("outcome", "failure"));
    this.watchDelay = timer("vertx.etcd.discovery.watch.delay",
      "From this node's write acknowledged to the watch delivering it", Tags.empty());
    this.ejections = counter("vertx.etcd.discovery.ejections", "Instances the address resolvers ejected or let "
      + "return", Tags.of("change", "ejected"));
    this.returns = counter("vertx.etcd.discovery.ejections", "Instances the address resolvers ejected or let "
      + "return", Tags.of("change", "returned"));
    for (String op : List.of("store", "update", "remove")) {
      for (String outcome : List.of("success", "failure")) {
        writes.put(op + "/" + outcome, timer("vertx.etcd.discovery.write", "Writes, from the call to its completion",
          Tags.of("op", op, "outcome", outcome)));
      }
    }
  }

  /**
   * @param metrics the metrics of a Vert.x instance, {@code null} when off
   * @return whether they are Micrometer's
   */
  public static boolean isMicrometer(VertxMetrics metrics) {
    try {
      return metrics instanceof MicrometerMetrics;
    } catch (IllegalAccessError e) {
      LOG.warn("The etcd registry cannot reach the meter registry of Vert.x's Micrometer metrics from the module "
        + "path: give it with EtcdBackendOptions.setMeterRegistry to get its meters");
      return false;
    }
  }

  /**
   * @param vertx   the application's Vert.x instance
   * @param options the registry's options
   * @param probes  what the gauges read
   * @return the meters, in the registry given in the options or else the one of the Vert.x instance's metrics
   */
  public static RegistryMetrics create(Vertx vertx, EtcdBackendOptions options, Probes probes) {
    MeterRegistry registry = options.getMeterRegistry() != null ? options.getMeterRegistry()
      : ((MicrometerMetrics) ((io.vertx.core.internal.VertxInternal) vertx).metrics()).registry();
    return new MicrometerRegistryMetrics(registry, options.normalizedPrefix(), probes);
  }

  private void gauge(String name, String description, Tags extra, Probes probes, ToDoubleFunction<Probes> read) {
    // Held strongly: the probes live as long as the registry, which removes its meters when it closes.
    meters.add(Gauge.builder(name, probes, read).description(description).tags(tags.and(extra))
      .strongReference(true).register(registry));
  }

  private Counter counter(String name, String description, Tags extra) {
    Counter counter = Counter.builder(name).description(description).tags(tags.and(extra)).register(registry);
    meters.add(counter);
    return counter;
  }

  private Timer timer(String name, String description, Tags extra) {
    Timer timer = Timer.builder(name).description(description).tags(tags.and(extra)).register(registry);
    meters.add(timer);
    return timer;
  }

  @Override
  public void eventPublished(RegistryEventType type) {
    events.get(type).increment();
  }

  @Override
  public void resyncedAfterCompaction() {
    compactedResyncs.increment();
  }

  @Override
  public void leaseLost() {
    leaseLosses.increment();
  }

  @Override
  public void reregistered() {
    reregistrations.increment();
  }

  @Override
  public void keepAlive(long nanos, boolean confirmed) {
    (confirmed ? keepAliveConfirmed : keepAliveFailed).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void write(String op, long nanos, boolean succeeded) {
    writes.get(op + "/" + (succeeded ? "success" : "failure")).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void watchDelay(long nanos) {
    watchDelay.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void ejection(boolean ejected) {
    (ejected ? ejections : returns).increment();
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
