package org.vertxetcd.discovery.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a node writing while a fault happens: publishes, updates and unpublishes its own records in a loop, a few
 * at a time. Failures are expected while etcd is broken and are only counted.
 */
public final class Workload {

  private final TestNode node;
  private final List<Future<Void>> loops = new ArrayList<>();
  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private volatile boolean stopped;

  private Workload(TestNode node, int concurrency) {
    this.node = node;
    for (int i = 0; i < concurrency; i++) {
      Promise<Void> loop = Promise.promise();
      loops.add(loop.future());
      step(loop);
    }
  }

  /**
   * @param node        the writing node
   * @param concurrency how many write loops run at once
   * @return the running workload
   */
  public static Workload start(TestNode node, int concurrency) {
    return new Workload(node, concurrency);
  }

  /** Each step starts the next from its completion handler: no chain of futures that grows with every write. */
  private void step(Promise<Void> loop) {
    if (stopped) {
      loop.complete();
      return;
    }
    // One record picked at random, not a copy of them all: over a long run a node holds tens of thousands.
    Random random = ThreadLocalRandom.current();
    int choice = random.nextInt(10);
    String registration = node.anyLive(random);
    Future<?> operation;
    if (registration == null || node.liveCount() < 5 || choice < 5) {
      operation = node.publish("svc");
    } else if (choice < 8) {
      operation = node.update(registration, choice);
    } else {
      operation = node.unpublish(registration);
    }
    operation.onComplete(result -> {
      (result.succeeded() ? succeeded : failed).incrementAndGet();
      if (result.succeeded()) {
        node.vertx().runOnContext(v -> step(loop));
      } else {
        node.vertx().setTimer(200, id -> step(loop));
      }
    });
  }

  /**
   * Stops the loops and waits for the writes in flight.
   *
   * @return this workload
   */
  public Workload stop() {
    stopped = true;
    TestSupport.await(Future.join(loops));
    return this;
  }

  /** @return how many writes succeeded */
  public int succeeded() {
    return succeeded.get();
  }

  /** @return how many writes failed */
  public int failed() {
    return failed.get();
  }

  @Override
  public String toString() {
    return node + ": " + succeeded + " writes succeeded, " + failed + " failed";
  }
}
