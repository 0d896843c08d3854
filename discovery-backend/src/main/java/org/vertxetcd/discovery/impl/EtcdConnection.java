package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Maintenance;
import io.etcd.jetcd.Watch;
import io.grpc.Context;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;
import org.vertxetcd.discovery.EtcdDiscoveryException.Reason;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The jetcd client of one registry, and the one way its calls are made: with a deadline, with errors translated,
 * and with the result delivered on the registry's context.
 * <p>
 * jetcd runs on a Vert.x instance of its own: it closes the instance it is given when the client closes, so it must
 * never be handed the application's.
 */
public final class EtcdConnection {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdConnection.class);

  /** etcd refuses gRPC keep-alive pings more frequent than its {@code --grpc-keepalive-min-time}, 5 s by default. */
  private static final Duration GRPC_KEEPALIVE_TIME = Duration.ofSeconds(5);
  private static final Duration GRPC_KEEPALIVE_TIMEOUT = Duration.ofSeconds(3);

  /** Large list pages (many records, or records near etcd's 1.5 MiB limit) need more than gRPC's default 4 MiB. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** Builds clients off Vert.x threads; daemon threads that end when idle. */
  private static final Executor CREATOR = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "etcd-client-creator");
    thread.setDaemon(true);
    return thread;
  });

  private final ContextInternal context;
  private final EtcdBackendOptions options;
  private final CallContextExecutor calls = new CallContextExecutor();
  private final Future<Client> client;
  private volatile boolean closed;

  /**
   * @param context the registry's context, where results are delivered
   * @param options the validated options
   */
  public EtcdConnection(ContextInternal context, EtcdBackendOptions options) {
    this.context = context;
    this.options = options;
    // Starting a Vert.x instance takes a while, and on a Vert.x thread it warns; reading TLS files blocks: both on a
    // plain thread.
    this.client = Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> createClient(context.owner(),
      options, calls), CREATOR), context);
  }

  private static Client createClient(Vertx vertx, EtcdBackendOptions options, CallContextExecutor calls) {
    SslContext tls = options.usesTls() ? ClientTls.context(vertx, options) : null;
    Vertx clientVertx = Vertx.vertx(new VertxOptions()
      .setEventLoopPoolSize(1)
      .setWorkerPoolSize(1)
      .setInternalBlockingPoolSize(1)
      .setUseDaemonThread(true));
    Duration timeout = Duration.ofMillis(options.getRequestTimeout());
    ClientBuilder builder = Client.builder()
      .endpoints(options.getEndpoints().stream().map(String::trim).toArray(String[]::new))
      .vertx(clientVertx)
      // Fail fast while no member is reachable, and once: the registry retries with its own policy and deadlines
      // (jetcd still drops an expired auth token when a call meets it, so the next call authenticates again).
      .waitForReady(false)
      .retryMaxAttempts(0)
      .executorService(calls)
      .connectTimeout(timeout)
      .keepaliveTime(GRPC_KEEPALIVE_TIME)
      .keepaliveTimeout(GRPC_KEEPALIVE_TIMEOUT)
      .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
    if (tls != null) {
      builder.sslContext(tls);
    }
    if (options.getUser() != null) {
      builder.user(ByteSequence.from(options.getUser(), StandardCharsets.UTF_8))
        .password(ByteSequence.from(options.getPassword(), StandardCharsets.UTF_8));
    }
    return builder.build();
  }

  /** @return the KV client; only within a {@link #call} (which waits for the client to exist) or after one */
  public KV kv() {
    return client.result().getKVClient();
  }

  /** @return the lease client; only within a {@link #call} or after one */
  public Lease lease() {
    return client.result().getLeaseClient();
  }

  /** @return the cluster client; only within a {@link #call} or after one */
  public Cluster cluster() {
    return client.result().getClusterClient();
  }

  /** @return the maintenance client; only within a {@link #call} or after one */
  public Maintenance maintenance() {
    return client.result().getMaintenanceClient();
  }

  /** @return the watch client; only within a {@link #call} or after one */
  public Watch watch() {
    return client.result().getWatchClient();
  }

  /** @return the options of the registry */
  public EtcdBackendOptions options() {
    return options;
  }

  /**
   * Runs one etcd call with the configured {@code requestTimeout}.
   *
   * @param what a description of the call for error messages, e.g. "store record 'greeter'"
   * @param call starts the call
   * @param <T>  the result type
   * @return the result, on the registry's context
   */
  public <T> Future<T> call(String what, Supplier<CompletableFuture<T>> call) {
    return call(what, options.getRequestTimeout(), call);
  }

  /**
   * Runs one etcd call with a given deadline.
   *
   * @param what      a description of the call for error messages
   * @param timeoutMs the deadline in milliseconds
   * @param call      starts the call
   * @param <T>       the result type
   * @return the result, on the registry's context
   */
  public <T> Future<T> call(String what, long timeoutMs, Supplier<CompletableFuture<T>> call) {
    if (closed) {
      return context.failedFuture(closedError(what));
    }
    if (!client.isComplete()) {
      return client.compose(ready -> call(what, timeoutMs, call));
    }
    if (client.failed()) {
      return context.failedFuture(EtcdErrors.translate(client.cause(), what, options.getEndpoints()));
    }
    PromiseInternal<T> promise = context.promise();
    // The call runs in a gRPC context of its own: cancelling it at the deadline resets the call's stream, so etcd
    // stops working on it and a keep-alive stream does not stay open.
    Context.CancellableContext callContext = Context.current().withCancellation();
    CompletableFuture<T> pending;
    try {
      pending = callContext.call(call::get);
    } catch (Exception e) {
      callContext.cancel(null);
      return context.failedFuture(EtcdErrors.translate(e, what, options.getEndpoints()));
    }
    long timer = context.setTimer(timeoutMs, id -> {
      promise.tryFail(new EtcdDiscoveryException(Reason.TIMEOUT, "Cannot " + what + ": etcd at "
        + options.getEndpoints() + " did not answer within " + timeoutMs + " ms", null, true));
      callContext.cancel(null);
    });
    pending.whenComplete((result, error) -> {
      context.owner().cancelTimer(timer);
      callContext.cancel(null);
      if (error == null) {
        promise.tryComplete(result);
      } else {
        promise.tryFail(closed ? closedError(what) : EtcdErrors.translate(error, what, options.getEndpoints()));
      }
    });
    return promise.future();
  }

  /**
   * @param what what could not be done
   * @return the error of an operation attempted after close
   */
  public static EtcdDiscoveryException closedError(String what) {
    return new EtcdDiscoveryException(Reason.CLOSED, "Cannot " + what + ": the etcd registry is closed", null, true);
  }

  /** @return whether {@link #close()} was called */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Closes the client and its Vert.x instance. Calls in flight fail with {@link Reason#CLOSED}.
   */
  public void close() {
    closed = true;
    client.onComplete((created, error) -> {
      try {
        if (created != null) {
          created.close();
        }
      } catch (RuntimeException e) {
        LOG.warn("Closing the etcd client of {} failed", options.getEndpoints(), e);
      } finally {
        // jetcd leaves an executor it was given running.
        calls.shutdownNow();
      }
    });
  }
}
