package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;

/**
 * Moves a result onto the caller's context: the current one, or a new one when the caller is not a Vert.x thread.
 */
public final class CallerContext {

  private CallerContext() {
  }

  /**
   * @param vertx  the application's Vert.x instance
   * @param result a result completed on any thread
   * @param <T>    its type
   * @return the same result, whose callbacks run on the caller's context
   */
  public static <T> Future<T> deliver(Vertx vertx, Future<T> result) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    PromiseInternal<T> promise = caller.promise();
    result.onComplete(promise);
    return promise.future();
  }
}
