package org.vertxetcd.discovery.impl.routing;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.InstanceStatistics;
import org.vertxetcd.discovery.impl.EtcdErrors;
import org.vertxetcd.discovery.impl.RegistryMetrics;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Outlier ejection, after Envoy's: an instance whose requests from this node fail {@code outlierConsecutiveFailures}
 * times in a row (connection refused, reset, timeout) leaves this node's selections for
 * {@code outlierEjectionMillis}, doubled each time it is ejected again, unless that would eject more than
 * {@code maxEjectedPercent} of its service. It returns when its ejection ends, or as soon as the registry reports it
 * again (an UPDATE, a new registration). Ejections and returns are announced on {@code routingAddress}, local-only:
 * they are this node's decisions, not registry changes.
 * <p>
 * Outcomes are reported from the client's threads; the resolver reads {@link #version()} at each selection.
 */
public final class Outliers implements ObservingLoadBalancer.Observer {

  private static final Logger LOG = LoggerFactory.getLogger(Outliers.class);
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  /** What is known of one instance: its service, its failures in a row, its ejection. */
  private static final class Outlier {
    private final String service;
    private long revision;
    /** Written under the lock of {@link Outliers}, read by selections without it. */
    private volatile int failures;
    private int ejections;
    private volatile long ejectedUntilNanos;
    private long returnTimer = -1;

    private Outlier(String service, long revision) {
      this.service = service;
      this.revision = revision;
    }

    private boolean ejected() {
      return ejectedUntilNanos != 0;
    }
  }

  private final Vertx vertx;
  private final EtcdBackendOptions options;
  private volatile RegistryMetrics metrics = RegistryMetrics.NONE;
  private final Map<String, Outlier> instances = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private final Statistics statistics = new Statistics();

  /**
   * @param vertx   the client's Vert.x instance, for the ejections' timers and announcements
   * @param options the options (thresholds, ejection time, cap, routing address)
   */
  public Outliers(Vertx vertx, EtcdBackendOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /**
   * @param counted the registry's meters, where ejections and returns are counted
   */
  public void countIn(RegistryMetrics counted) {
    this.metrics = counted;
  }

  /** @return a count of ejections and returns: while it stays the same, so does the set of ejected instances */
  public long version() {
    return version.get();
  }

  /** @return whether ejection is on ({@code outlierConsecutiveFailures} above 0) */
  public boolean enabled() {
    return options.getOutlierConsecutiveFailures() > 0;
  }

  /**
   * The instances of a service as the registry reports them now: an ejected instance the registry reported again
   * (a new revision of its record) returns.
   *
   * @param service   the service
   * @param revisions the revision of each instance's record, by registration id
   */
  public synchronized void reported(String service, Map<String, Long> revisions) {
    statistics.reported(service, revisions.keySet());
    revisions.forEach((registration, revision) -> {
      Outlier known = instances.computeIfAbsent(registration, r -> new Outlier(service, revision));
      if (known.revision != revision) {
        known.revision = revision;
        known.failures = 0;
        if (known.ejected()) {
          returned(registration, known, "the registry reported it again");
        }
      }
    });
  }

  /**
   * @param registration a registration id
   * @return whether this node does not select it now
   */
  public boolean isEjected(String registration) {
    Outlier known = instances.get(registration);
    return known != null && known.ejected();
  }

  @Override
  public void succeeded(String registration, long nanos) {
    statistics.answered(registration, nanos);
    Outlier known = instances.get(registration);
    if (known != null) {
      synchronized (this) {
        known.failures = 0;
      }
    }
  }

  @Override
  public boolean failing(String registration) {
    Outlier known = instances.get(registration);
    return enabled() && known != null && known.failures > 0;
  }

  @Override
  public synchronized void failed(String registration, Throwable failure) {
    statistics.failed(registration);
    Outlier known = instances.get(registration);
    if (!enabled() || known == null || known.ejected()) {
      return;
    }
    known.failures++;
    if (known.failures >= options.getOutlierConsecutiveFailures() && mayEject(known.service)) {
      eject(registration, known, failure);
    }
  }

  /** Never more than {@code maxEjectedPercent} of a service's known instances out at once (one ejected counts). */
  private boolean mayEject(String service) {
    Collection<Outlier> all = instances.values();
    long ofService = all.stream().filter(outlier -> outlier.service.equals(service)).count();
    long ejected = all.stream().filter(outlier -> outlier.service.equals(service) && outlier.ejected()).count();
    return (ejected + 1) * 100 <= ofService * options.getMaxEjectedPercent();
  }

  private void eject(String registration, Outlier known, Throwable failure) {
    known.ejections++;
    long millis = options.getOutlierEjectionMillis() << Math.min(known.ejections - 1, 20);
    known.ejectedUntilNanos = System.nanoTime() + millis * 1_000_000;
    known.returnTimer = vertx.setTimer(millis, id -> {
      synchronized (this) {
        if (known.ejected()) {
          returned(registration, known, "its ejection ended");
        }
      }
    });
    version.incrementAndGet();
    metrics.ejection(true);
    String reason = known.failures + " failed requests in a row (" + EtcdErrors.describe(failure) + ")";
    LOG.warn("Ejecting instance {} of service '{}' from this node's selections for {} ms: {}", registration,
      known.service, millis, reason);
    announce("EJECTED", registration, known, reason, millis);
  }

  private void returned(String registration, Outlier known, String reason) {
    known.ejectedUntilNanos = 0;
    known.failures = 0;
    vertx.cancelTimer(known.returnTimer);
    version.incrementAndGet();
    metrics.ejection(false);
    LOG.info("Instance {} of service '{}' returns to this node's selections: {}", registration, known.service,
      reason);
    announce("RETURNED", registration, known, reason, 0);
  }

  private void announce(String change, String registration, Outlier known, String reason, long millis) {
    JsonObject message = new JsonObject().put("change", change).put("name", known.service)
      .put("registration", registration).put("reason", reason);
    if (millis > 0) {
      message.put("ejectedForMillis", millis);
    }
    vertx.eventBus().publish(options.getRoutingAddress(), message, LOCAL_ONLY);
  }

  /** @return what the clients saw of each instance the registry reports */
  public List<InstanceStatistics> statistics() {
    return statistics.snapshot(this::isEjected);
  }

  /**
   * The registry no longer reports these instances (they left): forgotten, ejection and all.
   *
   * @param service the service
   * @param left    their registration ids
   */
  public synchronized void left(String service, Collection<String> left) {
    statistics.left(left);
    left.forEach(registration -> {
      Outlier known = instances.remove(registration);
      if (known != null && known.ejected()) {
        vertx.cancelTimer(known.returnTimer);
        version.incrementAndGet();
      }
    });
  }
}
