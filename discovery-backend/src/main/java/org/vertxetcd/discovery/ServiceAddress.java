package org.vertxetcd.discovery;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.Address;

import java.util.Objects;

/**
 * The logical address of a service registered in etcd, for a Vert.x client built with an
 * {@link EtcdAddressResolver}: requests sent to it reach the service's live instances (its UP records with a
 * {@code host} and {@code port} in their location), load balanced by the client's load balancer.
 * <pre>
 * client.request(new RequestOptions().setServer(ServiceAddress.of("greeter")).setURI("/hello"))
 * </pre>
 * Two addresses are equal when their names and filters are.
 */
public final class ServiceAddress implements Address {

  private final String name;
  private final JsonObject filter;

  private ServiceAddress(String name, JsonObject filter) {
    this.name = Objects.requireNonNull(name, "name");
    this.filter = filter == null ? new JsonObject() : filter.copy();
  }

  /**
   * @param name the service name (exact, case-sensitive)
   * @return the address of every live instance of that service
   */
  public static ServiceAddress of(String name) {
    return new ServiceAddress(name, null);
  }

  /**
   * @param name   the service name (exact, case-sensitive)
   * @param filter a filter on the records, as for {@link EtcdRegistry#lookup(String, JsonObject)}, e.g.
   *               {@code {"zone": "eu-west"}}
   * @return the address of the live instances of that service the filter accepts
   */
  public static ServiceAddress of(String name, JsonObject filter) {
    return new ServiceAddress(name, filter);
  }

  /** @return the service name */
  public String name() {
    return name;
  }

  /** @return a copy of the filter, empty for none */
  public JsonObject filter() {
    return filter.copy();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ServiceAddress && name.equals(((ServiceAddress) other).name)
      && filter.equals(((ServiceAddress) other).filter);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + filter.hashCode();
  }

  @Override
  public String toString() {
    return filter.isEmpty() ? "etcd-service:" + name : "etcd-service:" + name + filter.encode();
  }
}
