package org.vertxetcd.discovery.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistryHealth.Change;
import org.vertxetcd.discovery.RegistryHealth.LeaseState;
import org.vertxetcd.discovery.RegistryHealth.ViewState;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The state machine behind {@link RegistryHealth}: whether the registry's view follows etcd, whether its lease is
 * known to be alive, and the errors waiting cannot fix. Each transition is logged and published on the
 * {@code stateAddress}; permanent errors are logged once each, not at every retry.
 * <p>
 * Transitions happen on the registry's context; {@link #view()}, {@link #lease()} and {@link #problems()} are read
 * from any thread.
 */
public final class HealthState implements PermanentFailures {

  private static final Logger LOG = LoggerFactory.getLogger(HealthState.class);

  private final EtcdBackendOptions options;
  private final EventPublisher publisher;
  private final Supplier<RegistryHealth> health;
  private final Map<String, String> problems = new ConcurrentHashMap<>();
  private volatile ViewState view = ViewState.SYNCING;
  private volatile LeaseState lease = LeaseState.NONE;
  private volatile String lastError;
  private boolean syncFailureReported;

  /**
   * @param options   the registry's options
   * @param publisher publishes the state changes
   * @param health    the registry's health as it is now, for the published changes
   */
  public HealthState(EtcdBackendOptions options, EventPublisher publisher, Supplier<RegistryHealth> health) {
    this.options = options;
    this.publisher = publisher;
    this.health = health;
  }

  /** @return whether the registry's own view follows etcd */
  public ViewState view() {
    return view;
  }

  /** @return whether this node's records are known to be registered */
  public LeaseState lease() {
    return lease;
  }

  /** @return the last error met while talking to etcd */
  public String lastError() {
    return lastError;
  }

  /** @return errors that waiting cannot fix, by what failed */
  public Map<String, String> problems() {
    return Map.copyOf(problems);
  }

  /**
   * Whether the registry's view (every range of it) follows etcd may have changed.
   *
   * @param now    the state of the view: the worst of its ranges
   * @param reason why it does not follow etcd, {@code null} when it does or when nothing new went wrong
   */
  public void view(ViewState now, String reason) {
    if (reason != null) {
      lastError = reason;
    }
    ViewState before = view;
    view = now;
    if (before == ViewState.FRESH && now == ViewState.STALE) {
      publish(Change.VIEW_STALE, reason);
    } else if (before != ViewState.FRESH && now == ViewState.FRESH) {
      publish(Change.VIEW_FRESH, null);
    } else if (now == ViewState.SYNCING && reason != null && !syncFailureReported) {
      syncFailureReported = true;
      LOG.warn("Cannot sync with etcd at {} yet ({}); retrying with backoff", options.getEndpoints(), reason);
    }
  }

  /**
   * An import stopped following etcd (reported once until it follows again).
   *
   * @param range  the import
   * @param reason why
   */
  public void importStale(WatchedRange range, String reason) {
    lastError = reason;
    LOG.warn("{} stopped following etcd ({}); it answers from its last view and resumes with backoff",
      range.description(), reason);
  }

  /**
   * An import follows etcd again.
   *
   * @param range the import
   */
  public void importFresh(WatchedRange range) {
    LOG.info("{} follows etcd", range.description());
  }

  /**
   * etcd reported the lease gone.
   *
   * @param why what etcd said
   */
  public void leaseLost(String why) {
    lastError = why;
    lease = LeaseState.LOST;
    publish(Change.LEASE_LOST, why);
  }

  /**
   * Whether etcd confirmed the lease within a TTL changed.
   *
   * @param confirmed whether it did
   * @param why       the last keep-alive error, when it did not
   */
  public void leaseConfirmation(boolean confirmed, String why) {
    if (confirmed) {
      lease = LeaseState.ALIVE;
      publish(Change.LEASE_CONFIRMED, null);
    } else {
      lastError = why;
      lease = LeaseState.UNCONFIRMED;
      publish(Change.LEASE_UNCONFIRMED, why);
    }
  }

  /** The first lease was granted. */
  public void leaseGranted() {
    lease = LeaseState.ALIVE;
  }

  /** Every record is registered again under a lease that replaced a lost one. */
  public void leaseRestored() {
    if (lease == LeaseState.LOST) {
      lease = LeaseState.ALIVE;
      publish(Change.LEASE_RESTORED, null);
    }
  }

  /** The registry closed: it holds no lease. */
  public void closed() {
    lease = LeaseState.NONE;
  }

  @Override
  public void failed(String source, Throwable error) {
    String message = EtcdErrors.describe(error);
    lastError = message;
    if (!message.equals(problems.put(source, message))) {
      LOG.warn("etcd registry {} at {}: {} fails and waiting cannot fix it ({}); retrying slowly until the "
        + "configuration or the roles change", options.normalizedPrefix(), options.getEndpoints(), source, message);
    }
  }

  @Override
  public void resolved(String source) {
    if (problems.remove(source) != null) {
      LOG.info("etcd registry {} at {}: {} works again", options.normalizedPrefix(), options.getEndpoints(), source);
    }
  }

  private void publish(Change change, String reason) {
    if (reason == null) {
      LOG.info("etcd registry {} at {}: {}", options.normalizedPrefix(), options.getEndpoints(), change);
    } else {
      LOG.warn("etcd registry {} at {}: {} ({})", options.normalizedPrefix(), options.getEndpoints(), change, reason);
    }
    publisher.publishState(change, reason, health.get());
  }
}
