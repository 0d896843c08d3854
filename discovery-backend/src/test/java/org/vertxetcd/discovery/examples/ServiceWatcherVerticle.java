package org.vertxetcd.discovery.examples;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subscriber verticle of the README: keeps the live instances of one service, starting from a snapshot and
 * applying every change after it.
 */
public class ServiceWatcherVerticle extends VerticleBase {

  private final Map<String, Record> instances = new ConcurrentHashMap<>();
  private final String service;
  private final EtcdBackendOptions options;
  private EtcdRegistry registry;

  /**
   * @param service the service to follow
   * @param options the registry to follow it in
   */
  public ServiceWatcherVerticle(String service, EtcdBackendOptions options) {
    this.service = service;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    registry = EtcdRegistry.create(vertx, options);
    return registry.subscribe(service, this::onChange).onSuccess(subscription -> subscription.snapshot().records()
      .forEach(record -> instances.put(record.getRegistration(), record)));
  }

  private void onChange(RegistryEvent event) {
    switch (event.type()) {
      case JOIN, UPDATE -> instances.put(event.registration(), event.record());
      case LEAVE -> instances.remove(event.registration());
    }
  }

  @Override
  public Future<?> stop() {
    return registry.close();
  }

  /** @return the live instances, by registration id */
  public Map<String, Record> instances() {
    return Map.copyOf(instances);
  }
}
