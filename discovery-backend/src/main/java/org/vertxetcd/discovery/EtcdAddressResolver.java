package org.vertxetcd.discovery;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.AddressResolver;
import io.vertx.core.spi.endpoint.EndpointResolver;
import org.vertxetcd.discovery.impl.ServiceEndpointResolver;

/**
 * Resolves {@link ServiceAddress}es to the live instances registered in etcd, for Vert.x clients that load balance:
 * <pre>
 * HttpClient client = vertx.httpClientBuilder()
 *   .withAddressResolver(EtcdAddressResolver.create(options))
 *   .withLoadBalancer(LoadBalancer.ROUND_ROBIN)
 *   .build();
 * client.request(new RequestOptions().setServer(ServiceAddress.of("greeter")).setURI("/hello"))
 * </pre>
 * The instances come from the registry of that Vert.x instance and options, the one its discovery backend uses
 * (one etcd client, lease and watch): every server selection reads the watch-synced view, so an instance that left
 * gets no new request once its LEAVE is applied, and one that joined gets requests at once, without polling. The
 * server keys are registration ids, so {@code LoadBalancer.CONSISTENT_HASHING} keeps a routing key on one instance
 * while it lives. The registry closes with Vert.x.
 */
public final class EtcdAddressResolver implements AddressResolver<ServiceAddress> {

  private final EtcdBackendOptions options;

  private EtcdAddressResolver(EtcdBackendOptions options) {
    this.options = new EtcdBackendOptions(options).validate();
  }

  /**
   * @param options the registry's options, as for the discovery backend
   * @return a resolver
   * @throws IllegalArgumentException when the options are invalid; the message names the key
   */
  public static EtcdAddressResolver create(EtcdBackendOptions options) {
    return new EtcdAddressResolver(options);
  }

  /**
   * @param config the options in their JSON form (a {@code backendConfiguration})
   * @return a resolver
   * @throws IllegalArgumentException when the configuration is invalid; the message names the key
   */
  public static EtcdAddressResolver create(JsonObject config) {
    return create(new EtcdBackendOptions(config));
  }

  @Override
  public EndpointResolver<ServiceAddress, ?, ?, ?> endpointResolver(Vertx vertx) {
    return new ServiceEndpointResolver<>(vertx, options);
  }
}
