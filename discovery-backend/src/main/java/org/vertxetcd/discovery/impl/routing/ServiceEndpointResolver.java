package org.vertxetcd.discovery.impl.routing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.Address;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.endpoint.EndpointBuilder;
import io.vertx.core.spi.endpoint.EndpointResolver;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.ServiceAddress;
import org.vertxetcd.discovery.impl.RecordCache;
import org.vertxetcd.discovery.impl.RecordCodec;
import org.vertxetcd.discovery.impl.Registries;
import org.vertxetcd.discovery.impl.RegistryView;
import org.vertxetcd.discovery.impl.SharedRegistry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The endpoint resolver behind {@link org.vertxetcd.discovery.EtcdAddressResolver}: the servers of a service are its
 * UP records with a host and port, read from the shared registry's view, and of those:
 * <ul>
 *   <li>not the instances this node ejected as outliers ({@link Outliers});</li>
 *   <li>on a node with a {@code zone}, those of its zone while at least {@code minZoneInstances} of them are
 *   available, all of them otherwise;</li>
 *   <li>each listed as many times as its metadata {@code weight} (a positive integer, 1 by default), ramped from a
 *   tenth over {@code slowStartMillis} after it joined, so that any of Vert.x's balancers gives it that share.</li>
 * </ul>
 * The load balancer's list is rebuilt only when that list changes (round-robin positions and request counts survive
 * the changes of other services); server keys are registration ids (and {@code registration#n} for the further
 * copies of a weighted instance).
 *
 * @param <E> the client's endpoint type, built by the client's {@link EndpointBuilder}
 */
public final class ServiceEndpointResolver<E> implements EndpointResolver<ServiceAddress,
  ServiceEndpointResolver.Server, ServiceEndpointResolver.Service<E>, E> {

  /** The copies of a ramping instance are counted in tenths of its weight. */
  private static final int RAMP_STEPS = 10;

  /**
   * One instance of a service.
   *
   * @param registration its registration id
   * @param address      where to connect
   * @param metadata     its record's metadata
   * @param revision     the revision of its record's key
   */
  public record Instance(String registration, SocketAddress address, JsonObject metadata, long revision) {

    /** @return its zone (metadata {@code zone}), {@code null} for none */
    String zone() {
      Object zone = metadata == null ? null : metadata.getValue(EtcdBackendOptions.ZONE);
      return zone instanceof String ? (String) zone : null;
    }

    /** @return its weight (metadata {@code weight}, a positive integer), 1 when absent or not one */
    int weight() {
      Object weight = metadata == null ? null : metadata.getValue("weight");
      if (weight instanceof Number && ((Number) weight).doubleValue() == ((Number) weight).intValue()
        && ((Number) weight).intValue() > 0) {
        return ((Number) weight).intValue();
      }
      return 1;
    }

    @Override
    public String toString() {
      return registration + "@" + address;
    }
  }

  /**
   * One entry of a load balancer's list: an instance, or a further copy of a weighted one.
   *
   * @param instance the instance
   * @param key      its server key: the registration id, then {@code registration#n}
   */
  public record Server(Instance instance, String key) {
  }

  /** What the client keeps per resolved address: the servers last built and the endpoint built from them. */
  public static final class Service<E> {
    private final ServiceAddress address;
    private final EndpointBuilder<E, Server> builder;
    private final Map<String, Long> firstSeenNanos = new HashMap<>();
    private boolean listed;
    private long seenChanges = -1;
    private long seenEjections = -1;
    private long nextRampNanos = Long.MAX_VALUE;
    private List<Server> servers;
    private E endpoint;

    private Service(ServiceAddress address, EndpointBuilder<E, Server> builder) {
      this.address = address;
      this.builder = builder;
    }
  }

  private final Registries.Handle reference;
  private final EtcdBackendOptions options;
  private final Outliers outliers;

  /**
   * @param vertx    the client's Vert.x instance
   * @param options  the registry's options, validated
   * @param outliers the instances ejected from this node's selections
   */
  public ServiceEndpointResolver(Vertx vertx, EtcdBackendOptions options, Outliers outliers) {
    this.reference = Registries.acquire(vertx, options);
    this.options = options;
    this.outliers = outliers;
    outliers.countIn(reference.registry().metrics());
  }

  /**
   * @param key a server key
   * @return the registration id it stands for
   */
  static String registrationOf(String key) {
    int copy = key.indexOf('#');
    return copy < 0 ? key : key.substring(0, copy);
  }

  @Override
  public ServiceAddress tryCast(Address address) {
    return address instanceof ServiceAddress ? (ServiceAddress) address : null;
  }

  @Override
  public SocketAddress addressOf(Server server) {
    return server.instance().address();
  }

  @Override
  public JsonObject propertiesOf(Server server) {
    JsonObject metadata = server.instance().metadata();
    return (metadata == null ? new JsonObject() : metadata.copy())
      .put("registration", server.instance().registration());
  }

  @Override
  public Future<Service<E>> resolve(ServiceAddress address, EndpointBuilder<E, Server> builder) {
    // Waits for the first sync (and, on demand, the service's), and fails like a lookup when it cannot sync.
    SharedRegistry registry = reference.registry();
    return registry.ensure(address.name(), "resolve service '" + address.name() + "'")
      .compose(v -> registry.lookup(address.name(), address.filter()))
      .map(records -> new Service<>(address, builder));
  }

  @Override
  public E endpoint(Service<E> service) {
    RegistryView view = reference.registry().view();
    // Read the counts first: a change while the instances are read makes the next selection look again.
    long changes = view.changeCount();
    long ejections = outliers.version();
    long now = System.nanoTime();
    synchronized (service) {
      if (changes != service.seenChanges || ejections != service.seenEjections || now >= service.nextRampNanos) {
        List<Instance> instances = instances(view.lookupEntries(service.address.name(), service.address.filter()));
        tracked(service, instances, now);
        List<Server> servers = servers(service, instances, now);
        if (!servers.equals(service.servers)) {
          EndpointBuilder<E, Server> builder = service.builder;
          for (Server server : servers) {
            builder = builder.addServer(server, server.key());
          }
          service.servers = servers;
          service.endpoint = builder.build();
        }
        service.seenChanges = changes;
        service.seenEjections = ejections;
      }
      return service.endpoint;
    }
  }

  /** The records a client can connect to, in a stable order. */
  private static List<Instance> instances(List<RecordCache.Entry> entries) {
    List<Instance> instances = new ArrayList<>(entries.size());
    for (RecordCache.Entry entry : entries) {
      SocketAddress address = RecordCodec.socketAddress(entry.record().getLocation());
      if (address != null) {
        instances.add(new Instance(entry.record().getRegistration(), address, entry.record().getMetadata(),
          entry.modRevision()));
      }
    }
    instances.sort(Comparator.comparing(Instance::registration));
    return instances;
  }

  /** Tells the outliers what the registry reports, and notes when each instance joined, for the slow start. */
  private void tracked(Service<E> service, List<Instance> instances, long now) {
    Map<String, Long> revisions = new HashMap<>();
    instances.forEach(instance -> revisions.put(instance.registration(), instance.revision()));
    outliers.reported(service.address.name(), revisions);
    Set<String> left = new HashSet<>(service.firstSeenNanos.keySet());
    left.removeAll(revisions.keySet());
    outliers.left(service.address.name(), left);
    service.firstSeenNanos.keySet().removeAll(left);
    // The instances of the first list did not just join: only later ones start slowly.
    long joined = service.listed ? now : now - options.getSlowStartMillis() * 1_000_000;
    revisions.keySet().forEach(registration -> service.firstSeenNanos.putIfAbsent(registration, joined));
    service.listed = true;
  }

  private List<Server> servers(Service<E> service, List<Instance> instances, long now) {
    List<Instance> available = new ArrayList<>();
    instances.forEach(instance -> {
      if (!outliers.isEjected(instance.registration())) {
        available.add(instance);
      }
    });
    // Everything ejected (maxEjectedPercent 100): an outlier is better than no server at all.
    List<Instance> candidates = inZone(available.isEmpty() ? instances : available);
    return weighted(service, candidates, now);
  }

  private List<Instance> inZone(List<Instance> instances) {
    if (options.getZone() == null) {
      return instances;
    }
    List<Instance> local = new ArrayList<>();
    instances.forEach(instance -> {
      if (options.getZone().equals(instance.zone())) {
        local.add(instance);
      }
    });
    return local.size() >= options.getMinZoneInstances() ? local : instances;
  }

  /** Each instance as many times as its weight; in tenths of it while any instance ramps up. */
  private List<Server> weighted(Service<E> service, List<Instance> instances, long now) {
    long slowStartNanos = options.getSlowStartMillis() * 1_000_000;
    long nextRamp = Long.MAX_VALUE;
    int[] copies = new int[instances.size()];
    boolean ramping = false;
    for (int i = 0; i < instances.size(); i++) {
      long age = now - service.firstSeenNanos.getOrDefault(instances.get(i).registration(), 0L);
      ramping |= slowStartNanos > 0 && age < slowStartNanos;
    }
    for (int i = 0; i < instances.size(); i++) {
      Instance instance = instances.get(i);
      long firstSeen = service.firstSeenNanos.getOrDefault(instance.registration(), 0L);
      long age = now - firstSeen;
      if (!ramping) {
        copies[i] = instance.weight();
      } else if (age >= slowStartNanos) {
        copies[i] = instance.weight() * RAMP_STEPS;
      } else {
        long step = age * RAMP_STEPS / slowStartNanos;
        copies[i] = (int) Math.max(1, (instance.weight() * (step + 1)));
        nextRamp = Math.min(nextRamp, firstSeen + (step + 1) * slowStartNanos / RAMP_STEPS);
      }
    }
    service.nextRampNanos = nextRamp;
    List<Server> servers = new ArrayList<>();
    int most = 0;
    for (int count : copies) {
      most = Math.max(most, count);
    }
    // Copies interleaved (first copies of all, then second copies...): a round robin spreads them.
    for (int copy = 0; copy < most; copy++) {
      for (int i = 0; i < instances.size(); i++) {
        if (copy < copies[i]) {
          Instance instance = instances.get(i);
          servers.add(new Server(instance, copy == 0 ? instance.registration() : instance.registration() + "#"
            + copy));
        }
      }
    }
    return servers;
  }

  @Override
  public boolean isValid(Service<E> service) {
    return !reference.registry().isClosed();
  }

  @Override
  public void dispose(Service<E> service) {
    // Nothing to release: a service's state is read from the shared view.
  }

  @Override
  public void close() {
    reference.release();
  }
}
