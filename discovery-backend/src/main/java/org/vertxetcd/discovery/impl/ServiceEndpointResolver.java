package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.Address;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.endpoint.EndpointBuilder;
import io.vertx.core.spi.endpoint.EndpointResolver;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.ServiceAddress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The endpoint resolver behind {@link org.vertxetcd.discovery.EtcdAddressResolver}: the servers of a service are its
 * live records with a host and port, read from the shared registry's view at each selection. The load balancer's
 * list is rebuilt only when the instances changed, so its state (round-robin position, request counts) survives the
 * changes of other services.
 *
 * @param <E> the client's endpoint type, built by the client's {@link EndpointBuilder}
 */
public final class ServiceEndpointResolver<E>
  implements EndpointResolver<ServiceAddress, ServiceEndpointResolver.Instance, ServiceEndpointResolver.Service<E>, E> {

  /**
   * One instance of a service.
   *
   * @param registration its registration id, the server key
   * @param address      where to connect
   * @param metadata     its record's metadata
   */
  public record Instance(String registration, SocketAddress address, JsonObject metadata) {
    @Override
    public String toString() {
      return registration + "@" + address;
    }
  }

  /** What the client keeps per resolved address: the instances last seen and the endpoint built from them. */
  public static final class Service<E> {
    private final ServiceAddress address;
    private final EndpointBuilder<E, Instance> builder;
    private long seenChanges = -1;
    private List<Instance> instances;
    private E endpoint;

    private Service(ServiceAddress address, EndpointBuilder<E, Instance> builder) {
      this.address = address;
      this.builder = builder;
    }
  }

  private final Registries.Handle reference;

  /**
   * @param vertx   the client's Vert.x instance
   * @param options the registry's options, validated
   */
  public ServiceEndpointResolver(Vertx vertx, EtcdBackendOptions options) {
    this.reference = Registries.acquire(vertx, options);
  }

  @Override
  public ServiceAddress tryCast(Address address) {
    return address instanceof ServiceAddress ? (ServiceAddress) address : null;
  }

  @Override
  public SocketAddress addressOf(Instance server) {
    return server.address;
  }

  @Override
  public JsonObject propertiesOf(Instance server) {
    return server.metadata.copy().put("registration", server.registration);
  }

  @Override
  public Future<Service<E>> resolve(ServiceAddress address, EndpointBuilder<E, Instance> builder) {
    // Waits for the first sync (and, on demand, the service's), and fails like a lookup when it cannot sync.
    SharedRegistry registry = reference.registry();
    return registry.ensure(address.name(), "resolve service '" + address.name() + "'")
      .compose(v -> registry.lookup(address.name(), address.filter()))
      .map(records -> new Service<>(address, builder));
  }

  @Override
  public E endpoint(Service<E> service) {
    RegistryView view = reference.registry().view();
    // Read the count first: a change while the instances are read makes the next selection look again.
    long changes = view.changeCount();
    synchronized (service) {
      if (changes != service.seenChanges) {
        List<Instance> instances = instances(view.lookup(service.address.name(), service.address.filter()));
        if (!instances.equals(service.instances)) {
          EndpointBuilder<E, Instance> builder = service.builder;
          for (Instance instance : instances) {
            builder = builder.addServer(instance, instance.registration);
          }
          service.instances = instances;
          service.endpoint = builder.build();
        }
        service.seenChanges = changes;
      }
      return service.endpoint;
    }
  }

  /** The records a client can connect to, in a stable order. */
  private static List<Instance> instances(List<Record> records) {
    List<Instance> instances = new ArrayList<>(records.size());
    for (Record record : records) {
      SocketAddress address = RecordCodec.socketAddress(record.getLocation());
      if (address != null) {
        instances.add(new Instance(record.getRegistration(), address, record.getMetadata()));
      }
    }
    instances.sort(Comparator.comparing(instance -> instance.registration));
    return instances;
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
