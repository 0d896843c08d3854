package org.vertxetcd.discovery;

import io.vertx.core.VertxException;

/**
 * Why an operation of the etcd discovery backend failed. Every failed future of this library carries one of these,
 * with a message that names the problem and a {@link #reason()} a program can switch on.
 */
public class EtcdDiscoveryException extends VertxException {

  /**
   * The kinds of failure.
   */
  public enum Reason {
    /** The record cannot be stored: no name, not valid JSON, or a name change on update. */
    INVALID_RECORD,
    /** {@code store} was given a record that already has a registration id. */
    ALREADY_REGISTERED,
    /** No record with that registration id is registered. */
    UNKNOWN_REGISTRATION,
    /** The record was imported from a service that is not Vert.x: change it where it was registered. */
    READ_ONLY,
    /** The record's key and JSON exceed the request size etcd accepts. */
    TOO_LARGE,
    /** etcd did not answer within the configured {@code requestTimeout}. */
    TIMEOUT,
    /**
     * The node has {@code maxPendingWrites} writes in progress already (etcd is slow or unreachable): the write is
     * refused at once instead of queued without bound.
     */
    OVERLOADED,
    /** etcd refused the operation: the credentials lack the permission for this prefix. */
    PERMISSION_DENIED,
    /** etcd rejected the configured user name or password. */
    AUTHENTICATION_FAILED,
    /**
     * The configuration cannot be used although it looked valid: a TLS file or key store that does not hold what
     * its key needs (the message names the key). Waiting cannot help.
     */
    INVALID_CONFIGURATION,
    /** The registry was closed (explicitly or because Vert.x closed). */
    CLOSED,
    /** Any other error reported by etcd or the connection to it. */
    ETCD_ERROR
  }

  /** The kind of failure. */
  private final Reason reason;

  /**
   * @param reason  the kind of failure
   * @param message what went wrong, naming the record, key or endpoint concerned
   */
  public EtcdDiscoveryException(Reason reason, String message) {
    this(reason, message, null);
  }

  /**
   * @param reason  the kind of failure
   * @param message what went wrong, naming the record, key or endpoint concerned
   * @param cause   the underlying error, if any
   */
  public EtcdDiscoveryException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /**
   * For failures raised by the registry's own timers and limits (a deadline passed, too many writes): their stack
   * would only show the timer, and thousands of them may be raised at once while etcd is unreachable.
   *
   * @param reason       the kind of failure
   * @param message      what went wrong, naming the record, key or endpoint concerned
   * @param cause        the underlying error, if any
   * @param noStackTrace {@code true} to skip filling in the stack trace
   */
  public EtcdDiscoveryException(Reason reason, String message, Throwable cause, boolean noStackTrace) {
    super(message, cause, noStackTrace);
    this.reason = reason;
  }

  /**
   * @return the kind of failure
   */
  public Reason reason() {
    return reason;
  }
}
