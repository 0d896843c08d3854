package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.options.LeaseOption;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final Listener listener;
  private final Backoff backoff = new Backoff(100, 5_000);

  private volatile long lease;
  private long ttlMs;
  private long lastConfirmedNanos;
  private boolean confirmed = true;
  private long keepAliveTimer = -1;
  private PromiseInternal<Long> granting;
  private boolean replacing;
  private boolean grantFailureReported;
  /** Why the last grant failed, {@code null} once one succeeded. */
  private volatile Throwable grantError;
  private Future<Boolean> verifying;
  private long verifiedLease;
  private boolean closed;

  /**
   * @param context    the registry's context
   * @param connection the etcd connection
   * @param listener   receives the lease's lifecycle
   */
  public LeaseSession(ContextInternal context, EtcdConnection connection, Listener listener) {
    this.context = context;
    this.connection = connection;
    this.listener = listener;
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
   * @return the current lease, granting one first when there is none; pending while etcd cannot grant
   */
  public Future<Long> current() {
    if (closed) {
      return context.failedFuture(EtcdConnection.closedError("use the lease"));
    }
    if (lease != 0) {
      return context.succeededFuture(lease);
    }
    if (granting == null) {
      granting = context.promise();
      grant();
    } else if (EtcdErrors.isRefused(grantError)) {
      // The credentials or roles must change first: fail at once rather than wait for the next retry.
      return context.failedFuture(grantError);
    }
    return granting.future();
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
    LOG.warn("The etcd lease {} of this node is gone ({}): granting a new one and registering this node's records "
      + "again", Long.toHexString(lostLease), why);
    lease = 0;
    stopKeepAlive();
    confirmed = true;
    replacing = true;
    listener.onLeaseLost(lostLease, why);
    current();
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
    if (granting != null) {
      granting.tryFail(EtcdConnection.closedError("grant a lease"));
      granting = null;
    }
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

  private void grant() {
    long ttl = connection.options().getTtl();
    connection.call("grant a lease", () -> connection.lease().grant(ttl)).onComplete((response, error) -> {
      if (closed) {
        if (response != null) {
          connection.call("revoke lease", () -> connection.lease().revoke(response.getID()));
        }
        return;
      }
      if (error != null) {
        recordGrantFailure(error);
        long delay = backoff.next();
        if (!grantFailureReported) {
          grantFailureReported = true;
          LOG.warn("Could not grant an etcd lease ({}); retrying with backoff until etcd answers", error.getMessage());
        }
        LOG.debug("Retrying to grant a lease in {} ms", delay);
        context.setTimer(delay, id -> grant());
        return;
      }
      backoff.reset();
      grantFailureReported = false;
      grantError = null;
      lease = response.getID();
      ttlMs = response.getTTL() * 1000;
      confirm(lease);
      startKeepAlive();
      boolean replacesLost = replacing;
      replacing = false;
      PromiseInternal<Long> waiting = granting;
      granting = null;
      listener.onLeaseGranted(lease, replacesLost);
      waiting.complete(lease);
    });
  }

  private void recordGrantFailure(Throwable error) {
    grantError = error;
    if (EtcdErrors.isRefused(error)) {
      PromiseInternal<Long> refused = granting;
      granting = context.promise();
      refused.tryFail(error);
    }
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
    connection.call("keep lease " + Long.toHexString(kept) + " alive", ttlMs,
        () -> connection.lease().keepAliveOnce(kept))
      .onComplete((response, error) -> {
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
