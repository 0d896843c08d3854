package org.vertxetcd.discovery;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.AddressResolver;
import io.vertx.core.spi.endpoint.EndpointResolver;
import io.vertx.core.net.endpoint.LoadBalancer;

import java.util.List;
import org.vertxetcd.discovery.impl.routing.ObservingLoadBalancer;
import org.vertxetcd.discovery.impl.routing.Outliers;
import org.vertxetcd.discovery.impl.routing.ServiceEndpointResolver;

/**
 * Resolves {@link ServiceAddress}es to the live instances registered in etcd, for Vert.x clients that load balance:
 * <pre>
 * EtcdAddressResolver resolver = EtcdAddressResolver.create(options);
 * HttpClient client = vertx.httpClientBuilder()
 *   .withAddressResolver(resolver)
 *   .withLoadBalancer(resolver.loadBalancer(LoadBalancer.ROUND_ROBIN))
 *   .build();
 * client.request(new RequestOptions().setServer(ServiceAddress.of("greeter")).setURI("/hello"))
 * </pre>
 * The instances come from the registry of that Vert.x instance and options, the one its discovery backend uses
 * (one etcd client, lease and watch): every server selection reads the watch-synced view, so an instance that left,
 * or turned OUT_OF_SERVICE, gets no new request once the change is applied, and one that joined gets requests at
 * once, without polling. On top of the load balancer the application picks: instances of this node's
 * {@code zone} are preferred, metadata {@code weight} gives an instance its share, {@code slowStartMillis} ramps a
 * newcomer up, and, with {@link #loadBalancer(LoadBalancer)}, instances whose requests keep failing are ejected for
 * a while ({@code outlierConsecutiveFailures}). Server keys are registration ids, so
 * {@code LoadBalancer.CONSISTENT_HASHING} keeps a routing key on one instance while it lives. The registry closes
 * with Vert.x.
 */
public final class EtcdAddressResolver implements AddressResolver<ServiceAddress> {

  private final EtcdBackendOptions options;
  /** This resolver's outlier ejections, shared by every client built with it; made with the first of them. */
  private volatile Outliers outliers;

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

  /**
   * Wraps the load balancer the application picks so that this resolver sees each request's outcome, for outlier
   * ejection: the delegate still chooses, among the instances that are not ejected. Any of Vert.x's balancers works
   * (ROUND_ROBIN, RANDOM, LEAST_REQUESTS, POWER_OF_TWO_CHOICES, CONSISTENT_HASHING).
   *
   * @param delegate the load balancer that selects
   * @return the load balancer to give the client builder with this resolver
   */
  public LoadBalancer loadBalancer(LoadBalancer delegate) {
    return new ObservingLoadBalancer(delegate, () -> outliers);
  }

  /**
   * @return what the clients built with this resolver and its {@link #loadBalancer load balancer} saw of each live
   *     instance: requests, failures, recent latency percentiles, ejection; empty before a client was built
   */
  public List<InstanceStatistics> statistics() {
    Outliers seen = outliers;
    return seen == null ? List.of() : seen.statistics();
  }

  @Override
  public EndpointResolver<ServiceAddress, ?, ?, ?> endpointResolver(Vertx vertx) {
    if (outliers == null) {
      synchronized (this) {
        if (outliers == null) {
          outliers = new Outliers(vertx, options);
        }
      }
    }
    return new ServiceEndpointResolver<>(vertx, options, outliers);
  }
}
