package org.vertxetcd.discovery.support;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.Status;
import org.vertxetcd.discovery.EtcdBackendOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

/**
 * A node in a JVM of its own, driven by a test through {@link NodeProcess}: it reads one JSON command per line on
 * standard input and writes one JSON line per result and per event on standard output. When standard input closes
 * (the test JVM died) it exits.
 */
public final class DiscoveryNode {

  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final Vertx TIMERS = Vertx.vertx();
  private static JsonObject config;
  /**
   * The raw jetcd client of {@code raw-timed-put}, one for the process as the registry has one: a client created per
   * block would time a connection set-up with its first put.
   */
  private static Client rawClient;

  private DiscoveryNode() {
  }

  /**
   * @param args the backend configuration as JSON
   * @throws Exception when the node cannot start
   */
  public static void main(String[] args) throws Exception {
    config = new JsonObject(args[0]);
    EtcdBackendOptions options = new EtcdBackendOptions(config);
    Vertx vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(options.getEventsAddress(),
      message -> emit(new JsonObject().put("kind", "event").put("event", message.body())));
    vertx.eventBus().<JsonObject>consumer(options.getAnnounceAddress(),
      message -> emit(new JsonObject().put("kind", "announce").put("record", message.body())));
    ServiceDiscovery discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
      .setAnnounceAddress(options.getAnnounceAddress())
      .setBackendConfiguration(config));
    discovery.getRecords(record -> true, true).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    emit(new JsonObject().put("kind", "ready").put("pid", ProcessHandle.current().pid()));

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      JsonObject command = new JsonObject(line);
      handle(vertx, discovery, command).onComplete((result, error) -> emit(new JsonObject()
        .put("kind", error == null ? "done" : "failed")
        .put("id", command.getValue("id"))
        .put("result", result)
        .put("error", error == null ? null : error.getMessage())));
    }
    Runtime.getRuntime().halt(0);
  }

  private static Future<Object> handle(Vertx vertx, ServiceDiscovery discovery, JsonObject command) {
    switch (command.getString("cmd")) {
      case "publish":
        return publish(discovery, command.getString("name"), command.getInteger("count", 1),
          command.getJsonObject("metadata", new JsonObject()));
      case "update":
        return discovery.getRecord(new JsonObject().put("registration", command.getString("registration")))
          .compose(record -> discovery.update(record.setStatus(Status.valueOf(command.getString("status")))))
          .map(Record::toJson);
      case "unpublish":
        return discovery.unpublish(command.getString("registration")).map(v -> null);
      case "records":
        return discovery.getRecords(record -> true, true)
          .map(records -> new JsonArray(records.stream().map(Record::toJson).toList()));
      case "timed-publish":
        return timedPublish(discovery, command.getInteger("count"), command.getInteger("gapMs", 2));
      case "raw-timed-put":
        return rawTimedPut(vertx, command.getString("prefix"), command.getInteger("count"),
          command.getInteger("gapMs", 2));
      case "graceful-cycles":
        return gracefulCycles(command.getInteger("count"));
      case "churn":
        return churn(discovery, command.getString("name"), command.getInteger("records"),
          command.getInteger("concurrency", 16));
      case "close":
        return vertx.close().map(v -> {
          emit(new JsonObject().put("kind", "closed"));
          Runtime.getRuntime().halt(0);
          return null;
        });
      default:
        return Future.failedFuture("unknown command " + command);
    }
  }

  private static Future<Object> publish(ServiceDiscovery discovery, String name, int count, JsonObject metadata) {
    List<Future<Record>> published = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      published.add(discovery.publish(new Record().setName(name).setType("test")
        .setMetadata(metadata.copy().put("index", i))
        .setLocation(new JsonObject().put("endpoint", "http://127.0.0.1:" + (10000 + i)))));
    }
    return Future.all(published).map(all -> new JsonArray(published.stream()
      .map(future -> future.result().getRegistration()).toList()));
  }

  /**
   * Makes changes as fast as the registry takes them: each record is published, updated twice (metadata, then status)
   * and unpublished, {@code concurrency} records at a time.
   *
   * @return the registrations, each of which went through JOIN, UPDATE, UPDATE, LEAVE
   */
  private static Future<Object> churn(ServiceDiscovery discovery, String name, int records, int concurrency) {
    Queue<String> registrations = new ConcurrentLinkedQueue<>();
    AtomicInteger remaining = new AtomicInteger(records);
    List<Future<Void>> chains = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      chains.add(churnNext(discovery, name, remaining, registrations));
    }
    return Future.all(chains).map(v -> new JsonArray(List.copyOf(registrations)));
  }

  private static Future<Void> churnNext(ServiceDiscovery discovery, String name,
                                        AtomicInteger remaining, Queue<String> done) {
    if (remaining.getAndDecrement() <= 0) {
      return Future.succeededFuture();
    }
    return discovery.publish(new Record().setName(name).setMetadata(new JsonObject().put("step", 1)))
      .compose(record -> discovery.update(record.setMetadata(new JsonObject().put("step", 2))))
      .compose(record -> discovery.update(record.setStatus(Status.OUT_OF_SERVICE)))
      .compose(record -> discovery.unpublish(record.getRegistration()).map(record.getRegistration()))
      .compose(registration -> {
        done.add(registration);
        return churnNext(discovery, name, remaining, done);
      });
  }

  /** Publishes records one after the other, each stamped with the monotonic clock just before its publish. */
  private static Future<Object> timedPublish(ServiceDiscovery discovery, int count, int gapMs) {
    Future<Object> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      int sequence = i;
      chain = chain.compose(v -> discovery.publish(new Record().setName("timed").setMetadata(new JsonObject()
          .put("sentAt", System.nanoTime()).put("sequence", sequence))))
        .compose(published -> pause(gapMs));
    }
    return chain;
  }

  /** The same with raw jetcd puts: the value is the monotonic clock just before the put. */
  private static Future<Object> rawTimedPut(Vertx vertx, String prefix, int count, int gapMs) {
    if (rawClient == null) {
      rawClient = Client.builder().endpoints(config.getJsonArray("endpoints").stream().map(String.class::cast)
        .toArray(String[]::new)).build();
    }
    Client client = rawClient;
    Future<Object> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      int sequence = i;
      chain = chain.compose(v -> Future.fromCompletionStage(client.getKVClient().put(
          ByteSequence.from(prefix + "/" + sequence, StandardCharsets.UTF_8),
          ByteSequence.from(Long.toString(System.nanoTime()), StandardCharsets.UTF_8)), vertx.getOrCreateContext()))
        .compose(put -> pause(gapMs));
    }
    return chain;
  }

  /**
   * Starts a node, publishes a record, and closes the node gracefully, {@code count} times; prints when each close
   * starts, so that an observer can time the LEAVE. Runs on a thread of its own, as an application's main would.
   */
  private static Future<Object> gracefulCycles(int count) {
    Promise<Object> done = Promise.promise();
    Thread cycles = new Thread(() -> {
      try {
        for (int cycle = 0; cycle < count; cycle++) {
          Vertx node = Vertx.vertx();
          ServiceDiscovery.create(node, new ServiceDiscoveryOptions().setBackendConfiguration(config))
            .publish(new Record().setName("graceful").setMetadata(new JsonObject().put("cycle", cycle)))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
          // Let the observers see the JOIN first.
          Thread.sleep(200);
          emit(new JsonObject().put("kind", "closing").put("cycle", cycle).put("at", System.nanoTime()));
          node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        done.complete();
      } catch (Exception e) {
        done.fail(e);
      }
    }, "graceful-cycles");
    cycles.start();
    return done.future();
  }

  private static Future<Object> pause(int millis) {
    return TIMERS.timer(Math.max(1, millis)).map(v -> null);
  }

  private static synchronized void emit(JsonObject line) {
    OUT.println(line.encode());
  }
}
