package org.vertxetcd.discovery.impl;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryEventType;

/**
 * What the registry counts and times for its meters ({@code vertx_etcd_discovery_*}). Without Micrometer (metrics
 * off, or vertx-micrometer-metrics and micrometer-core not on the class path) it is {@link #NONE}: nothing of
 * Micrometer is loaded and every call costs a virtual call that does nothing. Lookups record nothing.
 * <p>
 * Called on the registry's context.
 */
public interface RegistryMetrics {

  /** What the gauges read, when they are read (at a scrape). */
  interface Probes {
    /** @return the records in this node's view, imports included */
    int viewRecords();

    /** @return the records this node registered */
    int ownRecords();

    /** @return whether the registry is healthy */
    boolean healthy();

    /** @return the etcd revision the registry's own view is at */
    long viewRevision();

    /** @return seconds since etcd last confirmed the view current */
    double stalenessSeconds();

    /** @return the keys under the registry's ranges that are skipped as not a record */
    int badKeys();
  }

  /** Records nothing. */
  RegistryMetrics NONE = new RegistryMetrics() {
  };

  /**
   * @param vertx   the application's Vert.x instance
   * @param options the registry's options (an explicit meter registry, if any)
   * @param probes  what the gauges read
   * @return the meters of the Micrometer registry given in the options, or of the one the Vert.x instance's metrics
   *     use; {@link #NONE} when there is neither
   */
  static RegistryMetrics create(Vertx vertx, EtcdBackendOptions options, Probes probes) {
    if (options.getMeterRegistry() == null && !MicrometerPresence.vertxHasMicrometer(vertx)) {
      return NONE;
    }
    return org.vertxetcd.discovery.impl.metrics.MicrometerRegistryMetrics.create(vertx, options, probes);
  }

  /**
   * @param type the type of an event this node published
   */
  default void eventPublished(RegistryEventType type) {
  }

  /** The view was listed again: its watch fell behind etcd's compaction. */
  default void resyncedAfterCompaction() {
  }

  /** etcd reported this node's lease lost. */
  default void leaseLost() {
  }

  /** One record of this node was registered again after a lease loss. */
  default void reregistered() {
  }

  /**
   * @param nanos     the round trip of a keep-alive
   * @param confirmed whether etcd confirmed the lease
   */
  default void keepAlive(long nanos, boolean confirmed) {
  }

  /**
   * @param op        {@code store}, {@code update} or {@code remove}
   * @param nanos     from the call to its completion
   * @param succeeded whether it succeeded
   */
  default void write(String op, long nanos, boolean succeeded) {
  }

  /**
   * @param nanos from this node's write acknowledged by etcd to its watch delivering it
   */
  default void watchDelay(long nanos) {
  }

  /**
   * @param ejected {@code true} when an address resolver ejected an instance, {@code false} when one returned
   */
  default void ejection(boolean ejected) {
  }

  /** The registry closed: its meters leave the meter registry. */
  default void close() {
  }

  /** Whether Micrometer is usable, tested only when the Vert.x instance runs metrics. */
  final class MicrometerPresence {

    private static final Logger LOG = LoggerFactory.getLogger(MicrometerPresence.class);

    private MicrometerPresence() {
    }

    /** Initialised (so the classes looked for) on first use only. */
    private static final class OnClassPath {
      private static final boolean MICROMETER = loadable("io.vertx.micrometer.impl.MicrometerMetrics")
        && loadable("io.micrometer.core.instrument.MeterRegistry");
    }

    private static boolean loadable(String className) {
      try {
        Class.forName(className, false, RegistryMetrics.class.getClassLoader());
        return true;
      } catch (ClassNotFoundException | LinkageError e) {
        LOG.debug("{} is not on the class path: the etcd registry records no metrics of its own", className);
        return false;
      }
    }

    /** Loads Micrometer only when the Vert.x instance runs metrics, and only when they are Micrometer's. */
    static boolean vertxHasMicrometer(Vertx vertx) {
      Object metrics = ((VertxInternal) vertx).metrics();
      return metrics != null && OnClassPath.MICROMETER && org.vertxetcd.discovery.impl.metrics
        .MicrometerRegistryMetrics.isMicrometer(((VertxInternal) vertx).metrics());
    }
  }
}
