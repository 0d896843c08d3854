package org.vertxetcd.discovery.impl;

import io.grpc.Context;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The executor jetcd starts its unary calls on, running each task in the gRPC {@link Context} of the thread that
 * submitted it. jetcd starts a KV or lease call on a pool thread, where gRPC would not see the caller's context; with
 * it, cancelling the context a call was made in cancels the call on the wire (RST_STREAM), so a call that timed out
 * here does not run on in etcd.
 */
final class CallContextExecutor extends AbstractExecutorService {

  private final ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "etcd-discovery-calls");
    thread.setDaemon(true);
    return thread;
  });

  @Override
  public void execute(Runnable task) {
    pool.execute(Context.current().wrap(task));
  }

  @Override
  public void shutdown() {
    pool.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return pool.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return pool.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return pool.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return pool.awaitTermination(timeout, unit);
  }
}
