package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.options.LeaseOption;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import java.util.concurrent.ThreadLocalRandom;

/**
 * This node's etcd lease, like etcd's Go {@code concurrency.Session}: granted on first use, kept alive in the
 * background, re-granted when etcd reports it gone, revoked on close.
 * <p>
 * Keep-alives are single requests sent every third of the TTL rather than jetcd's keep-alive stream, which gives up
 * for good after a TTL without answer. A lease is only declared lost when etcd says so (expired, revoked): while etcd
 * cannot be reached the lease is merely unconfirmed, because etcd extends every lease when a new leader takes over
 * or the cluster restarts, and the lease may well survive the outage.
 * <p>
 * Runs on the registry's context.
 */
public final class LeaseSession {

  /** Receives the lease's lifecycle, on the registry's context. */
  public interface Listener {
    /**
     * etcd reported the lease gone: the node's records have been deleted. A new lease is being granted.
     *
     * @param lease the lost lease
     * @param why   what etcd said
     */
    void onLeaseLost(long lease, String why);

    /**
     * Whether etcd confirmed the lease within its TTL changed.
     *
     * @param confirmed {@code false} when no keep-alive was answered for a whole TTL: the records may have expired
     * @param why       the last keep-alive error when unconfirmed
     */
    void onLeaseConfirmation(boolean confirmed, String why);

    /**
     * A lease was granted.
     *
     * @param lease        the new lease
     * @param replacesLost whether it replaces a lost one, so the node's records must be registered again
     */
    void onLeaseGranted(long lease, boolean replacesLost);
  }

  private static final Logger LOG = LoggerFactory.getLogger(LeaseSession.class);

  /** The key callers wait under for a lease to be granted. */
  private static final long GRANTED = 0;

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final Listener listener;
  private final RegistryMetrics metrics;
  private final Retrier retrier;
  /** Calls waiting for a lease, each until its deadline. */
  private final Waiters waiting;

  private volatile long lease;
  private long ttlMs;
  private long lastConfirmedNanos;
  private boolean confirmed = true;
  private long keepAliveTimer = -1;
  private boolean granting;
  private boolean replacing;
  private boolean grantFailureReported;
  /** Why the last grant failed, {@code null} once one succeeded. */
  private volatile Throwable grantError;
  private Future<Boolean> verifying;
  private long verifiedLease;
  private boolean closed;

  /**
   * @param context           the registry's context
   * @param connection        the etcd connection
   * @param listener          receives the lease's lifecycle
   * @param permanentFailures where a grant etcd refuses is reported
   * @param metrics           times the keep-alives
   */
  public LeaseSession(ContextInternal context, EtcdConnection connection, Listener listener,
                      PermanentFailures permanentFailures, RegistryMetrics metrics) {
    this.context = context;
    this.connection = connection;
    this.listener = listener;
    this.metrics = metrics;
    this.retrier = new Retrier(context, Backoff.BACKGROUND, "the lease", permanentFailures);
    this.waiting = new Waiters(context);
  }

  /** @return why the last attempt to grant a lease failed, {@code null} when the last one succeeded */
  public Throwable grantError() {
    return grantError;
  }

  /** @return the current lease, 0 when none is granted */
  public long id() {
    return lease;
  }

  /**
   * @param what     what the caller is doing, for the error message
   * @param deadline when the caller stops waiting
   * @return the current lease, granting one first when there is none; fails at the deadline while etcd cannot
   *     grant, and at once when etcd refuses the credentials or the roles
   */
  public Future<Long> current(String what, Deadline deadline) {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError("use the lease"));
    }
    if (lease != 0) {
      return context.succeededFuture(lease);
    }
    if (EtcdErrors.isRefused(grantError)) {
      // The credentials or roles must change first: fail at once rather than wait for the next retry.
      return context.failedFuture(EtcdErrors.refusal(what, grantError));
    }
    startGranting();
    return waiting.await(GRANTED, what, deadline.remainingMs(), this::noLeaseError).map(v -> lease);
  }

  private Throwable noLeaseError(String what) {
    return new EtcdDiscoveryException(Reason.TIMEOUT, "Cannot " + what + " within "
      + connection.options().getRequestTimeout() + " ms: no etcd lease could be granted"
      + (grantError == null ? "" : " (" + grantError.getMessage() + ")"), grantError, true);
  }

  /**
   * Reports that etcd said the lease does not exist, e.g. a put bound to it failed.
   *
   * @param lostLease the lease etcd did not find
   * @param why       what etcd said
   */
  public void lost(long lostLease, String why) {
    if (closed || lostLease == 0 || lostLease != lease) {
      return;
    }
    // Every node of a cluster may lose its lease at once (a revocation, a partition beyond the TTL): each waits a
    // random part of a third of the TTL before it grants a new one and registers again, so etcd is not stampeded.
    long jitterMs = ThreadLocalRandom.current().nextLong(connection.options().getTtl() * 1000L / 3 + 1);
    LOG.warn("The etcd lease {} of this node is gone ({}): granting a new one in {} ms and registering this node's "
      + "records again", Long.toHexString(lostLease), why, jitterMs);
    lease = 0;
    stopKeepAlive();
    confirmed = true;
    replacing = true;
    listener.onLeaseLost(lostLease, why);
    granting = true;
    context.setTimer(Math.max(1, jitterMs), id -> {
      granting = false;
      startGranting();
    });
  }

  /**
   * Asks etcd now whether the lease is alive, instead of waiting for the next keep-alive.
   *
   * @return whether it is; a lost lease is also reported to the listener
   */
  public Future<Boolean> verify() {
    long checked = lease;
    if (checked == 0) {
      return context.succeededFuture(false);
    }
    if (verifying != null && verifiedLease == checked) {
      // A revoked lease deletes all its keys at once: one check answers for all of them.
      return verifying;
    }
    verifiedLease = checked;
    // TimeToLive goes through jetcd's retrying path, which also renews an expired auth token.
    Future<Boolean> check = connection.call("check lease " + Long.toHexString(checked),
        () -> connection.lease().timeToLive(checked, LeaseOption.DEFAULT))
      .map(response -> {
        if (response.getTTL() <= 0) {
          lost(checked, "etcd: requested lease not found (expired or revoked)");
          return false;
        }
        confirm(checked);
        return true;
      })
      .recover(error -> {
        if (EtcdErrors.isLeaseNotFound(error)) {
          lost(checked, "etcd: requested lease not found");
          return context.succeededFuture(false);
        }
        LOG.warn("Could not check lease {} after keys bound to it were deleted ({}); the keep-alives will tell",
          Long.toHexString(checked), error.getMessage());
        return context.failedFuture(error);
      });
    verifying = check;
    check.onComplete(done -> {
      if (verifying == check) {
        verifying = null;
      }
    });
    return check;
  }

  /**
   * Stops the keep-alives and revokes the lease, so this node's records leave at once.
   *
   * @return whether this node's records are gone: {@code true} once etcd confirmed the revocation (or when there was
   *     no lease), {@code false} when it could not be revoked within the request timeout; never fails
   */
  public Future<Boolean> close() {
    closed = true;
    stopKeepAlive();
    waiting.failAll(EtcdConnection::closedError);
    long revoked = lease;
    lease = 0;
    if (revoked == 0) {
      return context.succeededFuture(true);
    }
    return connection.call("revoke lease " + Long.toHexString(revoked), () -> connection.lease().revoke(revoked))
      .map(response -> true)
      .recover(error -> {
        LOG.warn("Could not revoke the etcd lease {} on close: this node's records will expire after the TTL ({})",
          Long.toHexString(revoked), error.getMessage());
        return context.succeededFuture(false);
      });
  }

  private void startGranting() {
    if (granting || closed) {
      return;
    }
    granting = true;
    retrier.untilSuccess("grant a lease", attempt -> grantOnce()).onComplete(granted -> granting = false);
  }

  /** One grant; succeeds with nothing to do once closed. */
  private Future<Void> grantOnce() {
    if (closed) {
      return context.succeededFuture();
    }
    long ttl = connection.options().getTtl();
    return connection.call("grant a lease", () -> connection.lease().grant(ttl)).compose(response -> {
      if (closed) {
        connection.call("revoke lease", () -> connection.lease().revoke(response.getID()))
          .onFailure(error -> LOG.debug("A lease granted while closing expires by itself ({})", error.getMessage()));
        return context.succeededFuture();
      }
      granted(response.getID(), response.getTTL());
      return context.<Void>succeededFuture();
    }, error -> {
      grantError = error;
      if (!grantFailureReported) {
        grantFailureReported = true;
        LOG.warn("Could not grant an etcd lease ({}); retrying with backoff until etcd answers", error.getMessage());
      }
      if (EtcdErrors.isRefused(error)) {
        waiting.failAll(what -> EtcdErrors.refusal(what, error));
      }
      return context.failedFuture(error);
    });
  }

  private void granted(long grantedLease, long ttlSeconds) {
    grantFailureReported = false;
    grantError = null;
    lease = grantedLease;
    ttlMs = ttlSeconds * 1000;
    confirm(lease);
    startKeepAlive();
    boolean replacesLost = replacing;
    replacing = false;
    listener.onLeaseGranted(lease, replacesLost);
    waiting.releaseUpTo(GRANTED);
  }

  private void startKeepAlive() {
    stopKeepAlive();
    keepAliveTimer = context.setPeriodic(Math.max(100, ttlMs / 3), id -> keepAlive());
  }

  private void stopKeepAlive() {
    if (keepAliveTimer != -1) {
      context.owner().cancelTimer(keepAliveTimer);
      keepAliveTimer = -1;
    }
  }

  /**
   * Sends one keep-alive. Each may take up to a whole TTL (etcd answers a renewal only once it has applied what it
   * committed, which takes a while under a burst of writes), so several can be in flight: any answer renews.
   */
  private void keepAlive() {
    if (lease == 0) {
      return;
    }
    long kept = lease;
    long sent = System.nanoTime();
    connection.call("keep lease " + Long.toHexString(kept) + " alive", ttlMs,
        () -> connection.lease().keepAliveOnce(kept))
      .onComplete((response, error) -> {
        metrics.keepAlive(System.nanoTime() - sent, error == null);
        if (kept != lease) {
          return;
        }
        if (error == null) {
          confirm(kept);
        } else if (EtcdErrors.isLeaseNotFound(error)) {
          lost(kept, "etcd: requested lease not found");
        } else if (EtcdErrors.isInvalidToken(error)) {
          // Keep-alives do not renew an expired auth token; checking the lease does, and tells whether it lived.
          verify();
        } else if (confirmed && System.nanoTime() - lastConfirmedNanos > ttlMs * 1_000_000) {
          LOG.warn("etcd has not confirmed lease {} for a whole TTL ({}): this node's records may have expired; "
            + "they are registered again as soon as etcd answers", Long.toHexString(kept), error.getMessage());
          confirmed = false;
          listener.onLeaseConfirmation(false, error.getMessage());
        }
      });
  }

  private void confirm(long confirmedLease) {
    if (confirmedLease == lease) {
      lastConfirmedNanos = System.nanoTime();
      if (!confirmed) {
        LOG.info("etcd confirmed lease {} again: this node's records were kept", Long.toHexString(lease));
        confirmed = true;
        listener.onLeaseConfirmation(true, null);
      }
    }
  }

}
