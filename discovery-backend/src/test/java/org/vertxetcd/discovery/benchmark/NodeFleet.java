package org.vertxetcd.discovery.benchmark;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Many nodes in one JVM (run by the harness through {@link ChildProcess}): each its own Vert.x instance (one event
 * loop), so its own registry, etcd client, lease and watch, as separate processes would have. Each publishes its
 * records and follows service {@value #PROBE}; when every node of this JVM has seen a probe record join, it reports
 * the latest arrival ({@code {"kind":"reached","sequence":..,"at":nanoTime}}: every process reads the same monotonic
 * clock). Reports {@code ready} once every node has published and subscribed.
 */
public final class NodeFleet {

  /** The service the harness publishes to time a change reaching every node. */
  static final String PROBE = "probe";
  private static final int STARTING_AT_ONCE = 5;

  private final int nodes;
  private final Map<Integer, long[]> arrivals = new HashMap<>();

  private NodeFleet(int nodes) {
    this.nodes = nodes;
  }

  /**
   * @param args the backend configuration (JSON), the number of nodes, the records each publishes, and a name
   *             distinguishing this JVM's services from other fleets'
   * @throws Exception when the nodes cannot start
   */
  public static void main(String[] args) {
    ChildProcess.runMain(() -> run(new JsonObject(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
      args[3]));
  }

  /** Starts the nodes a few at a time: hundreds starting at once on 2 cores would time their first writes out. */
  private static void run(JsonObject config, int nodes, int records, String name) throws Exception {
    NodeFleet fleet = new NodeFleet(nodes);
    List<Vertx> started = new ArrayList<>();
    for (int first = 0; first < nodes; first += STARTING_AT_ONCE) {
      List<Future<?>> ready = new ArrayList<>();
      for (int node = first; node < Math.min(nodes, first + STARTING_AT_ONCE); node++) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
          .setInternalBlockingPoolSize(2));
        started.add(vertx);
        ready.add(fleet.startNode(vertx, config, name + "-" + node, records));
      }
      Future.all(ready).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    }
    ChildProcess.report(new JsonObject().put("kind", "ready").put("nodes", nodes));
    ChildProcess.serveCommands(command -> {
      Future.join(started.stream().map(Vertx::close).toList()).toCompletionStage().toCompletableFuture().join();
      ChildProcess.report(new JsonObject().put("kind", "closed"));
    });
  }

  private Future<?> startNode(Vertx vertx, JsonObject config, String service, int records) {
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    EtcdRegistry registry = EtcdRegistry.create(vertx, config);
    Future<?> published = Future.all(IntStream.range(0, records).mapToObj(index -> discovery.publish(
      Measure.record(index).setName(service))).toList());
    return published.compose(all -> registry.subscribe(PROBE, this::onProbe));
  }

  private void onProbe(RegistryEvent event) {
    long arrived = System.nanoTime();
    if (event.type() != RegistryEventType.JOIN) {
      return;
    }
    Record record = event.record();
    int sequence = record.getMetadata().getInteger("sequence");
    long[] seen;
    synchronized (arrivals) {
      seen = arrivals.computeIfAbsent(sequence, key -> new long[2]);
      seen[0]++;
      seen[1] = Math.max(seen[1], arrived);
      if (seen[0] < nodes) {
        return;
      }
      arrivals.remove(sequence);
    }
    ChildProcess.report(new JsonObject().put("kind", "reached").put("sequence", sequence).put("at", seen[1]));
  }
}
