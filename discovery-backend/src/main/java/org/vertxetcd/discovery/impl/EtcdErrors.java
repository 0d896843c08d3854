package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import javax.net.ssl.SSLException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns the errors of jetcd and gRPC into {@link EtcdDiscoveryException}s whose message says what was being done
 * and against which endpoints.
 */
public final class EtcdErrors {

  private EtcdErrors() {
  }

  /**
   * @param error any error from a jetcd call
   * @return the error without the wrappers futures and this library add
   */
  public static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException
      || current instanceof EtcdDiscoveryException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  private static Throwable withoutFutureWrappers(Throwable error) {
    Throwable unwrapped = error;
    while ((unwrapped instanceof CompletionException || unwrapped instanceof ExecutionException)
      && unwrapped.getCause() != null) {
      unwrapped = unwrapped.getCause();
    }
    return unwrapped;
  }

  /**
   * @param error any error from a jetcd call or of this library
   * @return what to tell about it in health and logs: this library's message (which says what was being done), or
   *     the root error's
   */
  public static String describe(Throwable error) {
    Throwable unwrapped = withoutFutureWrappers(error);
    return unwrapped instanceof EtcdDiscoveryException ? unwrapped.getMessage() : unwrap(error).getMessage();
  }

  /**
   * @param error any error from a jetcd call
   * @return the gRPC status code it carries, {@code UNKNOWN} when it carries none
   */
  public static Status.Code code(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof EtcdException) {
      ErrorCode code = ((EtcdException) cause).getErrorCode();
      return Status.Code.valueOf(code.name());
    }
    return Status.fromThrowable(cause).getCode();
  }

  /**
   * @param error any error from a jetcd call
   * @return whether it reports a compacted revision
   */
  public static boolean isCompacted(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof CompactedException
      || (cause != null && String.valueOf(cause.getMessage()).contains("required revision has been compacted"));
  }

  /**
   * @param error any error from a jetcd call or of this library
   * @return whether etcd refused the credentials or the permission: trying again cannot help until someone changes
   *     the configuration or the roles
   */
  public static boolean isRefused(Throwable error) {
    return error instanceof EtcdDiscoveryException
      && (((EtcdDiscoveryException) error).reason() == Reason.PERMISSION_DENIED
      || ((EtcdDiscoveryException) error).reason() == Reason.AUTHENTICATION_FAILED
      || ((EtcdDiscoveryException) error).reason() == Reason.INVALID_CONFIGURATION);
  }

  /**
   * @param what    what was being done, e.g. "store record 'greeter' (5f1c...)"
   * @param refused an error for which {@link #isRefused} holds
   * @return the error to fail the caller with: the same reason, and what the caller was doing
   */
  public static EtcdDiscoveryException refusal(String what, Throwable refused) {
    return new EtcdDiscoveryException(((EtcdDiscoveryException) refused).reason(), "Cannot " + what + ": "
      + refused.getMessage(), refused);
  }

  /**
   * @param error any error from a jetcd call
   * @return whether etcd said the auth token expired (jetcd renews it when an ordinary request meets this error)
   */
  public static boolean isInvalidToken(Throwable error) {
    Throwable cause = unwrap(error);
    String message = cause == null ? "" : String.valueOf(cause.getMessage());
    return message.contains("invalid auth token") || message.contains("revision of auth store is old")
      || message.contains("auth: revision in header is old");
  }

  /**
   * @param error any error from a jetcd call
   * @return whether etcd said the lease does not exist (expired or revoked)
   */
  public static boolean isLeaseNotFound(Throwable error) {
    Throwable cause = unwrap(error);
    return cause != null && String.valueOf(cause.getMessage()).contains("requested lease not found");
  }

  /**
   * @param error an error
   * @return its message, with the root cause's when that one says more (a TLS handshake failure hides behind gRPC's
   *     "io exception")
   */
  private static String detail(Throwable error) {
    String message = firstLine(error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage());
    Throwable root = error;
    boolean tls = error instanceof SSLException;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
      tls |= root instanceof SSLException;
    }
    if (root != error && root.getMessage() != null && !message.contains(root.getMessage())) {
      String kind = tls ? "TLS handshake failed: " : root.getClass().getSimpleName() + ": ";
      return message + "; " + kind + firstLine(root.getMessage());
    }
    return message;
  }

  /** gRPC appends its channel pipeline on further lines: noise for the reader. */
  private static String firstLine(String message) {
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end).trim();
  }

  /** How an error of an etcd call is handled by the {@link Retrier}. */
  public enum Kind {
    /** Trying again may succeed: a timeout, etcd unavailable (no leader, leader changed, member unreachable). */
    TRANSIENT,
    /**
     * Waiting cannot help until someone changes the configuration or the roles: permission denied, wrong
     * credentials, a request etcd calls invalid or too large.
     */
    PERMANENT,
    /** Anything else: the caller decides (e.g. a lease etcd no longer knows). */
    OTHER
  }

  /**
   * @param error any error from a jetcd call or of this library
   * @return how to handle it
   */
  public static Kind classify(Throwable error) {
    if (isTransient(error)) {
      return Kind.TRANSIENT;
    }
    if (isRefused(error) || (error instanceof EtcdDiscoveryException
      && ((EtcdDiscoveryException) error).reason() == Reason.TOO_LARGE)) {
      return Kind.PERMANENT;
    }
    switch (code(error)) {
      case INVALID_ARGUMENT:
      case PERMISSION_DENIED:
      case UNAUTHENTICATED:
      case OUT_OF_RANGE:
      case UNIMPLEMENTED:
        return Kind.PERMANENT;
      default:
        return Kind.OTHER;
    }
  }

  /**
   * @param error any error from a jetcd call or of this library
   * @return whether trying again may succeed: the call timed out, etcd was unavailable (no leader, leader
   *     changed, member unreachable), or its auth token expired or was invalidated (the next call authenticates
   *     again)
   */
  public static boolean isTransient(Throwable error) {
    if (error instanceof EtcdDiscoveryException && ((EtcdDiscoveryException) error).reason() == Reason.TIMEOUT) {
      return true;
    }
    Status.Code code = code(error);
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED || isInvalidToken(error);
  }

  /**
   * @param error     any error from a jetcd call
   * @param what      what was being done, e.g. "store record 'greeter' (5f1c...)"
   * @param endpoints the endpoints of the registry, for the message
   * @return the error to fail the caller with
   */
  public static EtcdDiscoveryException translate(Throwable error, String what, Object endpoints) {
    Throwable unwrapped = withoutFutureWrappers(error);
    if (unwrapped instanceof EtcdDiscoveryException) {
      return (EtcdDiscoveryException) unwrapped;
    }
    Throwable cause = unwrap(error);
    String detail = detail(cause);
    if (detail.contains("request is too large")) {
      return new EtcdDiscoveryException(Reason.TOO_LARGE, "Cannot " + what + ": etcd says the request is too large",
        cause);
    }
    if (isInvalidToken(cause)) {
      // Not a refusal: the token expired or auth data changed; the next call authenticates again.
      return new EtcdDiscoveryException(Reason.ETCD_ERROR, "Cannot " + what + ": etcd no longer accepts this "
        + "client's auth token (" + detail + ")", cause);
    }
    if (detail.contains("authentication failed") || detail.contains("invalid user ID or password")) {
      return new EtcdDiscoveryException(Reason.AUTHENTICATION_FAILED, "Cannot " + what + ": etcd rejected the "
        + "configured user name or password (" + detail + ")", cause);
    }
    if (detail.contains("permission denied")) {
      return new EtcdDiscoveryException(Reason.PERMISSION_DENIED, "Cannot " + what + ": etcd denied permission ("
        + detail + "); check the roles granted to the configured user", cause);
    }
    switch (code(cause)) {
      case PERMISSION_DENIED:
        return new EtcdDiscoveryException(Reason.PERMISSION_DENIED, "Cannot " + what + ": etcd denied permission ("
          + detail + "); check the roles granted to the configured user", cause);
      case UNAUTHENTICATED:
        return new EtcdDiscoveryException(Reason.AUTHENTICATION_FAILED, "Cannot " + what + ": etcd rejected the "
          + "credentials (" + detail + ")", cause);
      case UNAVAILABLE:
        return new EtcdDiscoveryException(Reason.ETCD_ERROR, "Cannot " + what + ": etcd at " + endpoints
          + " is unavailable (" + detail + ")", cause);
      default:
        return new EtcdDiscoveryException(Reason.ETCD_ERROR, "Cannot " + what + ": " + detail, cause);
    }
  }
}
