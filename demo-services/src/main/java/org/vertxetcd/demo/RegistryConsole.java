package org.vertxetcd.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdAddressResolver;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The registry console's model, on the gateway: every instance ({@link InstanceTable}), the recent history
 * ({@link ChangeHistory}), each service's sampled counts and traffic ({@link ServiceSeries}), the gateway's traffic
 * to each instance ({@link TrafficMeter}), the time left on each node's lease ({@link LeaseClock}), the etcd cluster
 * and this node's state in plain words ({@link NodeWords}); all pushed to browsers by a {@link RegistryFeed}.
 * It follows the registry through one subscription, its state changes and the resolver's ejections on the event
 * bus, and samples on timers of the gateway's context, where all of it is used.
 */
final class RegistryConsole {

  /** How often the counts and the traffic are sampled, in milliseconds: {@value}. */
  static final long SAMPLE_MS = 2_000;
  /** How often etcd is asked for the time left on the leases, in milliseconds: {@value}. */
  static final long LEASE_REFRESH_MS = 3_000;
  /** How often etcd is asked for the cluster's status, in milliseconds: {@value}. */
  static final long CLUSTER_REFRESH_MS = 5_000;
  /** How often a comment line is sent to every browser, in milliseconds: {@value}. */
  private static final long KEEP_ALIVE_MS = 15_000;

  private static final Logger LOG = LoggerFactory.getLogger(RegistryConsole.class);

  private final Vertx vertx;
  private final EtcdRegistry registry;
  private final EtcdAddressResolver resolver;
  private final Supplier<Double> staleness;
  private final boolean actionsEnabled;
  private final InstanceTable instances = new InstanceTable();
  private final ChangeHistory history = new ChangeHistory();
  private final ServiceSeries series = new ServiceSeries(SAMPLE_MS);
  private final TrafficMeter traffic = new TrafficMeter();
  private final LeaseClock leases;
  private final RegistryFeed feed = new RegistryFeed(this::snapshot);
  private JsonObject lastTraffic = new JsonObject();
  private JsonObject lastLeases = new JsonObject();
  private JsonObject lastCluster = new JsonObject();
  private boolean refreshingLeases;
  private boolean clusterFailing;

  /**
   * @param vertx          the gateway's Vert.x instance
   * @param registry       the registry shown
   * @param resolver       the gateway's resolver, whose statistics give the traffic
   * @param staleness      the registry's staleness meter, {@code null} when metrics are off
   * @param actionsEnabled whether an admin token unlocks actions (the page shows them only then)
   */
  RegistryConsole(Vertx vertx, EtcdRegistry registry, EtcdAddressResolver resolver, Supplier<Double> staleness,
                  boolean actionsEnabled) {
    this.vertx = vertx;
    this.registry = registry;
    this.resolver = resolver;
    this.staleness = staleness;
    this.actionsEnabled = actionsEnabled;
    this.leases = new LeaseClock(registry);
  }

  /**
   * Starts following the registry and sampling, on the caller's context (the gateway's verticle: its undeploy stops
   * the timers and the consumers).
   *
   * @return completes once the registry's snapshot is in
   */
  Future<Void> start() {
    vertx.eventBus().<JsonObject>localConsumer(registry.options().getStateAddress(),
      message -> onState(message.body()));
    vertx.eventBus().<JsonObject>localConsumer(registry.options().getRoutingAddress(),
      message -> onRouting(message.body()));
    return registry.subscribe(this::onEvent).map(subscription -> {
      instances.reset(subscription.snapshot());
      sample();
      refreshLeases();
      refreshCluster();
      vertx.setPeriodic(SAMPLE_MS, id -> sample());
      vertx.setPeriodic(LEASE_REFRESH_MS, id -> refreshLeases());
      vertx.setPeriodic(CLUSTER_REFRESH_MS, id -> refreshCluster());
      vertx.setPeriodic(KEEP_ALIVE_MS, id -> feed.keepAlive());
      return null;
    });
  }

  /** @return the feed that pushes the console to browsers */
  RegistryFeed feed() {
    return feed;
  }

  /** @return the instances, as the registry holds them now */
  InstanceTable instances() {
    return instances;
  }

  /** @return the recent history, oldest first */
  ChangeHistory history() {
    return history;
  }

  /**
   * Records what an operator did, for the history and every browser.
   *
   * @param actor  the name of the admin token used
   * @param record the instance acted on, as it was
   * @param text   what was done, in plain words
   */
  void recordAction(String actor, Record record, String text) {
    LOG.info("Console action by '{}': {} {} {}", actor, record.getName(), record.getRegistration(), text);
    feed.publish("history", history.addAction(actor, record.getName(), record.getRegistration(), text));
  }

  /** @return everything the console shows now, as a new browser gets it */
  JsonObject snapshot() {
    return new JsonObject()
      .put("instances", instances.toJson())
      .put("history", history.toJson())
      .put("historyLimit", ChangeHistory.LIMIT)
      .put("health", RegistryFeed.describe(registry.health()))
      .put("node", node())
      .put("cluster", lastCluster)
      .put("leases", lastLeases)
      .put("traffic", lastTraffic)
      .put("series", series.toJson())
      .put("sampleMillis", SAMPLE_MS)
      .put("actionsEnabled", actionsEnabled);
  }

  private JsonObject node() {
    return NodeWords.describe(registry.health(), staleness == null ? null : staleness.get());
  }

  private void onEvent(RegistryEvent event) {
    Record previous = instances.apply(event);
    feed.publish("change", event.toJson().put("time", Instant.now().toString()));
    addHistory(ChangeHistory.Kind.valueOf(event.type().name()), event.name(), event.registration(),
      describe(event, previous));
  }

  private static String describe(RegistryEvent event, Record previous) {
    Record record = event.record();
    return switch (event.type()) {
      case JOIN -> "joined at " + endpointOf(record) + " (" + record.getStatus() + ")";
      case UPDATE -> previous != null && previous.getStatus() != record.getStatus()
        ? "status " + previous.getStatus() + " → " + record.getStatus()
        : "record updated (" + record.getStatus() + ")";
      case LEAVE -> "left: deregistered, or its node's lease ended";
    };
  }

  private static String endpointOf(Record record) {
    JsonObject location = record.getLocation();
    return location == null ? "no location" : location.getString("endpoint", location.encode());
  }

  private void onState(JsonObject state) {
    RegistryHealth health = registry.health();
    feed.publish("state", state.copy().put("health", RegistryFeed.describe(health)).put("node", node())
      .put("time", Instant.now().toString()));
    String reason = state.getString("reason");
    addHistory(ChangeHistory.Kind.STATE, null, null, stateWords(state.getString("change"))
      + (reason == null ? "" : ": " + reason));
  }

  private static String stateWords(String change) {
    return switch (RegistryHealth.Change.valueOf(change)) {
      case VIEW_STALE -> "the gateway's view stopped following etcd";
      case VIEW_FRESH -> "the gateway's view follows etcd";
      case LEASE_UNCONFIRMED -> "etcd has not confirmed the gateway's lease for a TTL";
      case LEASE_CONFIRMED -> "etcd confirmed the gateway's lease again";
      case LEASE_LOST -> "etcd reported the gateway's lease lost";
      case LEASE_RESTORED -> "the gateway has a new lease and registered its records again";
    };
  }

  private void onRouting(JsonObject change) {
    boolean ejected = "EJECTED".equals(change.getString("change"));
    String text = ejected
      ? "ejected from the gateway's selections for " + change.getLong("ejectedForMillis", 0L) / 1000 + " s: "
        + change.getString("reason")
      : "selected by the gateway again: " + change.getString("reason");
    addHistory(ejected ? ChangeHistory.Kind.EJECTED : ChangeHistory.Kind.RETURNED, change.getString("name"),
      change.getString("registration"), text);
  }

  private void addHistory(ChangeHistory.Kind kind, String name, String registration, String text) {
    feed.publish("history", history.add(kind, name, registration, text));
  }

  private void sample() {
    TrafficMeter.Sample now = traffic.sample(resolver.statistics(), System.nanoTime());
    Map<String, ServiceSeries.Point> points = series.sample(System.currentTimeMillis(), instances.countsByService(),
      now.services());
    lastTraffic = new JsonObject(new LinkedHashMap<String, Object>(now.instances()));
    JsonObject services = new JsonObject();
    points.forEach((name, point) -> services.put(name, point.toJson()));
    feed.publish("tick", new JsonObject().put("services", services).put("traffic", lastTraffic));
  }

  /** One round at a time: a slow etcd does not pile rounds up. */
  private void refreshLeases() {
    if (refreshingLeases) {
      return;
    }
    refreshingLeases = true;
    leases.timesLeft(instances.registrations()).onComplete(done -> {
      refreshingLeases = false;
      lastLeases = done.result();
      feed.publish("leases", lastLeases);
    });
  }

  private void refreshCluster() {
    registry.clusterStatus().onComplete(done -> {
      if (done.succeeded()) {
        clusterFailing = false;
        lastCluster = done.result().toJson();
      } else {
        if (!clusterFailing) {
          LOG.warn("Cannot read the etcd cluster's status: {}", done.cause().getMessage());
        }
        clusterFailing = true;
        lastCluster = new JsonObject().put("error", String.valueOf(done.cause().getMessage()));
      }
      feed.publish("cluster", new JsonObject().put("cluster", lastCluster).put("node", node()));
    });
  }
}
