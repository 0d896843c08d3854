package org.vertxetcd.discovery.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.awaitility.Awaitility;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.impl.EtcdRegistryImpl;
import org.vertxetcd.discovery.impl.RegistryView;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistryHealth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * A node of a fault test in this JVM: its own Vert.x instance, a {@link ServiceDiscovery} and an {@link EtcdRegistry}
 * sharing one registry, a log of its change events, a recorder of its state changes, and the records it knows it
 * registered.
 */
public final class TestNode implements AutoCloseable {

  /** The shortest pause between two lookups of a probe: enough to leave the CPU to the nodes and etcd. */
  private static final long PROBE_PACE_MS = 10;
  /**
   * A probe pauses a millisecond more per this many records in the view, so that it samples lookups without becoming
   * the load it measures: lookups of 48,000 records every 10 ms on three nodes of one JVM allocated about 1.5 GB/s,
   * and the collector's pauses, stretched to 460 ms while three etcd members restarted on the same two cores, were
   * what the probes then measured.
   */
  private static final int PROBE_RECORDS_PER_MS = 1_000;

  private final String name;
  private final Vertx vertx;
  private final ServiceDiscovery discovery;
  private final EtcdRegistry registry;
  private final ChangeLog events;
  private final EventRecorder states;
  private final long startRevision;
  /** Guarded by itself, with {@link #liveIndex}: a list, so that a random one is picked without copying them all. */
  private final List<String> live = new ArrayList<>();
  private final Map<String, Integer> liveIndex = new HashMap<>();
  private final Set<String> uncertain = ConcurrentHashMap.newKeySet();
  /** Whether this node ever wrote: its lookups then show its own writes before its watch applies them. */
  private volatile boolean wrote;

  private TestNode(String name, JsonObject config) {
    this.name = name;
    EtcdBackendOptions options = new EtcdBackendOptions(config);
    vertx = Vertx.vertx();
    events = ChangeLog.listen(vertx, options.getEventsAddress());
    states = EventRecorder.listen(vertx, options.getStateAddress());
    registry = EtcdRegistry.create(vertx, options);
    discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(config));
    startRevision = await(registry.snapshot()).revision();
    // Faults are injected into a node whose watch is established, not one still creating it.
    Awaitility.await().atMost(Duration.ofSeconds(10))
      .until(() -> registry.health().view() == RegistryHealth.ViewState.FRESH);
  }

  /**
   * Starts a node and waits for its first sync.
   *
   * @param name   a name for messages
   * @param config the backend configuration
   * @return the node
   */
  public static TestNode start(String name, JsonObject config) {
    return new TestNode(name, config);
  }

  /**
   * Publishes a record; a success adds it to the records this node must keep registered.
   *
   * @param service the service name
   * @return the published record
   */
  public Future<Record> publish(String service) {
    wrote = true;
    return discovery.publish(new Record().setName(service).setMetadata(new JsonObject().put("node", name)))
      .onSuccess(record -> addLive(record.getRegistration()));
  }

  /**
   * Updates a record this node registered.
   *
   * @param registration its registration id
   * @param step         a value written into its metadata
   * @return completes when updated
   */
  public Future<Void> update(String registration, int step) {
    wrote = true;
    return discovery.update(new Record().setName("svc").setRegistration(registration)
      .setMetadata(new JsonObject().put("node", name).put("step", step))).mapEmpty();
  }

  /**
   * Unpublishes a record; a failure leaves its fate unknown (etcd may have applied it).
   *
   * @param registration its registration id
   * @return completes when unpublished
   */
  public Future<Void> unpublish(String registration) {
    wrote = true;
    removeLive(registration);
    uncertain.add(registration);
    return discovery.unpublish(registration).onSuccess(v -> uncertain.remove(registration));
  }

  /** @return the name of this node */
  public String name() {
    return name;
  }

  /** @return the node's Vert.x instance */
  public Vertx vertx() {
    return vertx;
  }

  /** @return the node's registry handle */
  public EtcdRegistry registry() {
    return registry;
  }

  /** @return the node's service discovery */
  public ServiceDiscovery discovery() {
    return discovery;
  }

  /** @return the node's current state */
  public RegistryHealth health() {
    return registry.health();
  }

  /**
   * What a lookup of every record answered, with the view's change count just before and just after the lookup read
   * it (it reads it on the caller's thread, before the result is handed to a context). The count, not the revision,
   * tells whether the view changed: a slice of a watch response is applied one change at a time and moves the
   * revision only at its end.
   *
   * @param changes  the view's change count before the lookup
   * @param changing whether a change was being applied then
   * @param size     the number of records in the view then
   * @param records  the answer
   * @param after    the view's change count after the lookup
   * @param writer   whether this node writes: its own writes show in its lookups before its watch applies them
   */
  public record ViewAnswer(long changes, boolean changing, int size, List<Record> records, long after,
                           boolean writer) {

    /**
     * @return what is wrong with the answer, {@code null} when it is the node's view: as many records as the view
     *     held, when no change was applied meanwhile and no write of the node's own can be in it
     */
    public String problem() {
      if (writer || changing || changes != after || records.size() == size) {
        return null;
      }
      return "answered " + records.size() + " records while the view held " + size + " (no change applied meanwhile)";
    }
  }

  /**
   * Starts looking up every record on this node from a plain thread, again and again (every 10 ms, or a millisecond
   * per thousand records in the view when it holds more than 10,000), until the probe is stopped; each answer must be
   * the node's view (see {@link ViewAnswer#problem()}).
   *
   * @param bound how long each lookup may take
   * @return the running probe
   */
  public LookupProbe<ViewAnswer> lookupProbe(Duration bound) {
    RegistryView view = ((EtcdRegistryImpl) registry).view();
    return LookupProbe.start(name, () -> {
      long changes = view.changeCount();
      boolean changing = view.isChanging();
      int size = view.size();
      Future<List<Record>> answer = discovery.getRecords(record -> true, true);
      long after = view.changeCount();
      boolean writer = wrote;
      return answer.map(records -> new ViewAnswer(changes, changing, size, records, after, writer));
    }, bound, ViewAnswer::problem, Duration.ofMillis(Math.max(PROBE_PACE_MS, view.size() / PROBE_RECORDS_PER_MS)));
  }

  /** @return the change events this node published since it started, in their comparable form */
  public List<EtcdHistory.Change> events() {
    return events.changes();
  }

  /**
   * @param type a change type
   * @return how many events of that type this node published since it started
   */
  public long count(RegistryEventType type) {
    return events.count(type);
  }

  /** @return the state changes this node published, as their {@code change} names */
  public List<String> stateChanges() {
    return states.messages().stream().map(message -> message.getString("change")).toList();
  }

  /** @return the revision the node's view started at: its events are the changes after it */
  public long startRevision() {
    return startRevision;
  }

  /** @return the records this node published successfully and has not unpublished */
  public Set<String> live() {
    synchronized (live) {
      return Set.copyOf(live);
    }
  }

  /** @return how many records this node published successfully and has not unpublished */
  public int liveCount() {
    synchronized (live) {
      return live.size();
    }
  }

  /**
   * @param random the source of the choice
   * @return one of the records this node published successfully and has not unpublished, {@code null} when none
   */
  public String anyLive(Random random) {
    synchronized (live) {
      return live.isEmpty() ? null : live.get(random.nextInt(live.size()));
    }
  }

  private void addLive(String registration) {
    synchronized (live) {
      if (liveIndex.putIfAbsent(registration, live.size()) == null) {
        live.add(registration);
      }
    }
  }

  /** Moves the last one into the removed one's place: O(1), whatever the number of records. */
  private void removeLive(String registration) {
    synchronized (live) {
      Integer index = liveIndex.remove(registration);
      if (index == null) {
        return;
      }
      String last = live.remove(live.size() - 1);
      if (index < live.size()) {
        live.set(index, last);
        liveIndex.put(last, index);
      }
    }
  }

  /** @return the records whose unpublish failed: etcd may or may not hold them */
  public Set<String> uncertain() {
    return Set.copyOf(uncertain);
  }

  @Override
  public void close() {
    await(vertx.close());
  }

  @Override
  public String toString() {
    return name;
  }
}
