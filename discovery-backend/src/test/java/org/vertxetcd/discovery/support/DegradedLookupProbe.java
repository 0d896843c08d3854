package org.vertxetcd.discovery.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdDiscoveryException;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs in a JVM of its own: lookups against an etcd that cannot be reached (a socket that accepts nothing, so
 * connections hang like packets into a partition), in waves, measuring the heap in use after full collections
 * before and after. Prints one JSON line: {@code {"calls":..,"timeouts":..,"otherFailures":..,"before":..,"after":..}}.
 */
public final class DegradedLookupProbe {

  private static final int WAVE = 10_000;

  private DegradedLookupProbe() {
  }

  /**
   * @param args the number of lookups, and the request timeout in milliseconds
   * @throws Exception when the probe cannot run
   */
  public static void main(String[] args) throws Exception {
    int calls = Integer.parseInt(args[0]);
    long requestTimeout = Long.parseLong(args[1]);
    try (ServerSocket blackhole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Vertx vertx = Vertx.vertx();
      ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
        .setBackendConfiguration(new JsonObject()
          .put("backend-name", "etcd")
          .put("endpoints", new JsonArray().add("http://127.0.0.1:" + blackhole.getLocalPort()))
          .put("prefix", "/probe")
          .put("requestTimeout", requestTimeout)));
      AtomicInteger timeouts = new AtomicInteger();
      AtomicInteger otherFailures = new AtomicInteger();
      // The first waves load and compile what the calls use: the heap is measured on a warm JVM.
      lookups(discovery, 2 * WAVE, new AtomicInteger(), new AtomicInteger());
      long before = ChildJvm.usedHeapAfterGc();
      lookups(discovery, calls, timeouts, otherFailures);
      long after = ChildJvm.usedHeapAfterGc();
      System.out.println(new JsonObject().put("calls", calls).put("timeouts", timeouts.get())
        .put("otherFailures", otherFailures.get()).put("before", before).put("after", after).encode());
      System.out.flush();
      Runtime.getRuntime().halt(0);
    }
  }

  private static void lookups(ServiceDiscovery discovery, int calls, AtomicInteger timeouts,
                              AtomicInteger otherFailures) {
    for (int done = 0; done < calls; done += WAVE) {
      List<Future<?>> wave = new ArrayList<>(WAVE);
      for (int i = 0; i < Math.min(WAVE, calls - done); i++) {
        wave.add(discovery.getRecords(new JsonObject()).recover(error -> {
          boolean timeout = error instanceof EtcdDiscoveryException
            && ((EtcdDiscoveryException) error).reason() == EtcdDiscoveryException.Reason.TIMEOUT;
          (timeout ? timeouts : otherFailures).incrementAndGet();
          return Future.succeededFuture();
        }));
      }
      TestSupport.await(Future.join(wave));
    }
  }
}
