package org.vertxetcd.discovery.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.EtcdBackendService;
import org.vertxetcd.discovery.EtcdDiscoveryException;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Blocking helpers for test threads (never call them on an event loop).
 */
public final class TestSupport {

  private TestSupport() {
  }

  /**
   * @param vertx  the node's Vert.x instance
   * @param config the backend configuration
   * @return a backend initialised the way {@code ServiceDiscovery} does it
   */
  public static EtcdBackendService backend(Vertx vertx, JsonObject config) {
    EtcdBackendService backend = new EtcdBackendService();
    backend.init(vertx, config);
    return backend;
  }

  /**
   * @param future a future
   * @param <T>    its type
   * @return its result, waiting at most 30 seconds
   */
  public static <T> T await(Future<T> future) {
    return await(future, Duration.ofSeconds(30));
  }

  /**
   * @param future  a future
   * @param timeout how long to wait
   * @param <T>     its type
   * @return its result
   */
  public static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("Expected success, got " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("No result within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted", e);
    }
  }

  /**
   * @param future a future expected to fail
   * @return its failure, an {@link EtcdDiscoveryException}
   */
  public static EtcdDiscoveryException awaitFailure(Future<?> future) {
    return assertInstanceOf(EtcdDiscoveryException.class, awaitAnyFailure(future), "failure type");
  }

  /**
   * @param future a future expected to fail
   * @return its failure, waiting at most 30 seconds
   */
  public static Throwable awaitAnyFailure(Future<?> future) {
    try {
      Object result = future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return fail("Expected a failure, got " + result);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("No result within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted", e);
    }
  }
}
