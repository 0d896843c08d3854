package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.support.DiscoveryExtension;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * A registry created by a verticle is a Vert.x shared resource tied to that verticle's deployment: undeploying it
 * releases the registry (its lease revoked, its client and threads stopped), even when the verticle never closes
 * its {@code ServiceDiscovery}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RegistryReleaseTest {

  private static final int CYCLES = 50;
  /**
   * Threads that may outlive every registry without being a leak: shared, JVM-wide pools started on first use and
   * bounded by how much runs at once, not by how many registries ever ran (grpc's default executor and the
   * backend's client-creator pool keep an idle thread for a minute; each etcdctl run of the test has a process
   * reaper).
   */
  private static final int SHARED_LAZY_THREADS = 8;
  private static final Pattern LEASES_FOUND = Pattern.compile("found (\\d+) leases");

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  /** Creates a service discovery in {@code start()} and publishes a record; no {@code stop()}: nothing closes it. */
  private static final class PublishingVerticle extends VerticleBase {
    private final JsonObject config;

    PublishingVerticle(JsonObject config) {
      this.config = config;
    }

    @Override
    public Future<?> start() {
      return ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(config))
        .publish(new Record().setName("released"));
    }
  }

  @Test
  void deployingAndUndeployingAPublishingVerticleFiftyTimesLeavesNoClientLeaseOrThreadBehind() {
    // The application's own threads are few and started first: one event loop, one worker.
    Vertx vertx = etcd.closeAfterTest(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
      .setWorkerPoolSize(1).setInternalBlockingPoolSize(1)));
    await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.executeBlocking(() -> "the worker thread started");
      }
    }).compose(vertx::undeploy));
    int baseline = liveThreads();
    int baselineEventLoops = threadNames("vert.x-eventloop-thread-").size();

    for (int cycle = 0; cycle < CYCLES; cycle++) {
      // A configuration of its own per cycle: a registry left behind would not be reused by the next one.
      JsonObject config = etcd.config().put("prefix", etcd.prefix() + "/cycle-" + cycle);
      String deployment = await(vertx.deployVerticle(new PublishingVerticle(config)));
      assertEquals(1, keysUnder(etcd.prefix() + "/cycle-" + cycle + "/").size(), "cycle " + cycle + " published");
      await(vertx.undeploy(deployment));
    }

    assertAll(() -> assertEquals(List.of(), keysUnder(etcd.prefix() + "/"), "every record left with its deployment"),
      () -> assertEquals(0, leases(), "every lease was revoked with its registry"));
    // The client threads end a moment after the registry closed them.
    await().atMost(etcd.delivery()).untilAsserted(() -> {
      assertEquals(List.of(), threadNames("etcd-discovery-calls", "jetcd-"), "no backend or jetcd thread is left");
      // jetcd's client runs on a Vert.x instance of its own, whose threads have the application's names.
      assertEquals(baselineEventLoops, threadNames("vert.x-eventloop-thread-").size(),
        "only the application's event loop is left");
      assertTrue(liveThreads() <= baseline + SHARED_LAZY_THREADS, () -> "live threads back to about the "
        + baseline + " before the cycles: " + liveThreads() + " " + threadNames(""));
    });
  }

  private static List<String> keysUnder(String prefix) {
    return etcd.etcdctl("get", "--prefix", "--keys-only", prefix).lines().filter(line -> !line.isBlank())
      .collect(Collectors.toList());
  }

  private static int leases() {
    Matcher found = LEASES_FOUND.matcher(etcd.etcdctl("lease", "list"));
    assertTrue(found.find(), "etcdctl lease list says how many leases it found");
    return Integer.parseInt(found.group(1));
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static List<String> threadNames(String... prefixes) {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
      .filter(name -> Arrays.stream(prefixes).anyMatch(name::startsWith)).sorted().collect(Collectors.toList());
  }
}
