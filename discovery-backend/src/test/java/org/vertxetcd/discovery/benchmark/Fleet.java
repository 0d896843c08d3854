package org.vertxetcd.discovery.benchmark;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The harness's side of many nodes: {@link NodeFleet} JVMs of up to {@value #NODES_PER_JVM} nodes each, and the time
 * a change takes to reach all of them. Closing ends every JVM.
 */
final class Fleet implements AutoCloseable {

  static final int NODES_PER_JVM = 50;

  private final List<ChildProcess> jvms = new ArrayList<>();

  private Fleet() {
  }

  /**
   * Starts the nodes and waits until each has published its records and subscribed.
   *
   * @param name    names this fleet's services and JVMs
   * @param config  every node's backend configuration
   * @param nodes   how many nodes
   * @param records how many records each publishes
   * @return the running fleet
   * @throws IOException when a JVM cannot be started
   */
  static Fleet start(String name, JsonObject config, int nodes, int records) throws IOException {
    Fleet fleet = new Fleet();
    try {
      // One JVM after the other, each once its nodes are up: starting is not what is measured.
      for (int first = 0; first < nodes; first += NODES_PER_JVM) {
        int count = Math.min(NODES_PER_JVM, nodes - first);
        ChildProcess jvm = ChildProcess.start(name + "-" + first, NodeFleet.class,
          List.of("-XX:+UseSerialGC", "-Xmx" + (64 + count * 12) + "m", "-XX:TieredStopAtLevel=1"),
          config.encode(), Integer.toString(count), Integer.toString(records), name + "-" + first);
        fleet.jvms.add(jvm);
        jvm.awaitLine("ready", Duration.ofMinutes(5));
      }
      return fleet;
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  /** @return the process ids of the fleet's JVMs */
  List<Long> pids() {
    return jvms.stream().map(ChildProcess::pid).toList();
  }

  /**
   * Publishes probe records one after the other, each once the previous one reached every node of every fleet.
   *
   * @param publisher where the probes are published
   * @param samples   how many
   * @param fleets    the fleets that must all see each probe
   * @return for each fleet, the nanoseconds from each publish until its last node saw it
   */
  static List<List<Long>> timeToReachAll(ServiceDiscovery publisher, int samples, List<Fleet> fleets) {
    List<List<Long>> durations = new ArrayList<>();
    fleets.forEach(fleet -> durations.add(new ArrayList<>()));
    for (int sequence = 0; sequence < samples; sequence++) {
      long sent = System.nanoTime();
      await(publisher.publish(new Record().setName(NodeFleet.PROBE)
        .setMetadata(new JsonObject().put("sequence", sequence))));
      for (int i = 0; i < fleets.size(); i++) {
        durations.get(i).add(fleets.get(i).reached(sequence) - sent);
      }
    }
    return durations;
  }

  /** @return the latest time one of this fleet's nodes saw the probe (System.nanoTime of the node's JVM) */
  private long reached(int sequence) {
    long latest = Long.MIN_VALUE;
    for (ChildProcess jvm : jvms) {
      latest = Math.max(latest, jvm.awaitLine("probe " + sequence,
        line -> "reached".equals(line.getString("kind")) && line.getInteger("sequence") == sequence,
        Duration.ofSeconds(30)).getLong("at"));
    }
    return latest;
  }

  @Override
  public void close() {
    jvms.forEach(jvm -> {
      if (jvm.isAlive()) {
        jvm.send(new JsonObject().put("cmd", "close"));
      }
    });
    RuntimeException failure = null;
    for (ChildProcess jvm : jvms) {
      try {
        jvm.awaitLine("closed", Duration.ofSeconds(60));
      } catch (RuntimeException e) {
        failure = failure == null ? e : addSuppressed(failure, e);
      } finally {
        jvm.close();
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static RuntimeException addSuppressed(RuntimeException first, RuntimeException next) {
    first.addSuppressed(next);
    return first;
  }
}
