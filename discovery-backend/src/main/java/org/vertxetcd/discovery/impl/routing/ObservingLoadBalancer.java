package org.vertxetcd.discovery.impl.routing;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.endpoint.InteractionMetrics;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.core.net.endpoint.ServerEndpoint;
import io.vertx.core.net.endpoint.ServerInteraction;
import io.vertx.core.net.endpoint.ServerSelector;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Vert.x load balancer that sees the outcome of every request (for outlier ejection and per-instance statistics)
 * and leaves the choice to the one the application picked: the delegate selects among the same servers, reading
 * its own interaction metrics (least-requests and power-of-two read their in-flight counts).
 */
public final class ObservingLoadBalancer implements LoadBalancer {

  /** Told of each request's outcome, per instance (the registration id behind a server key). */
  public interface Observer {
    /**
     * @param registration the instance
     * @param nanos        from the request's start to the end of its response
     */
    void succeeded(String registration, long nanos);

    /**
     * @param registration the instance
     * @param failure      connection refused, reset, timeout
     */
    void failed(String registration, Throwable failure);
  }

  private final LoadBalancer delegate;
  private final Supplier<Observer> observer;

  /**
   * @param delegate the load balancer that selects
   * @param observer the observer of outcomes, once the client's resolver exists ({@code null} before)
   */
  public ObservingLoadBalancer(LoadBalancer delegate, Supplier<Observer> observer) {
    this.delegate = delegate;
    this.observer = observer;
  }

  @Override
  public InteractionMetrics<?> newMetrics() {
    return new ObservingMetrics(delegate.newMetrics());
  }

  @Override
  public ServerSelector selector(List<? extends ServerEndpoint> servers) {
    List<ServerEndpoint> forDelegate = new ArrayList<>(servers.size());
    for (ServerEndpoint server : servers) {
      if (server.metrics() instanceof ObservingMetrics) {
        ObservingMetrics metrics = (ObservingMetrics) server.metrics();
        metrics.registration = ServiceEndpointResolver.registrationOf(server.key());
        forDelegate.add(new DelegateView(server, metrics.inner));
      } else {
        forDelegate.add(server);
      }
    }
    return delegate.selector(forDelegate);
  }

  /** One request, as the delegate's metrics see it, and whether it failed already (a timeout is reported twice). */
  private static final class Interaction {
    private final Object inner;
    private final long startNanos = System.nanoTime();
    private boolean failed;

    private Interaction(Object inner) {
      this.inner = inner;
    }
  }

  /** The metrics of one server: the delegate's, plus what the observer needs. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private final class ObservingMetrics implements InteractionMetrics<Interaction> {
    private final InteractionMetrics inner;
    private volatile String registration;

    private ObservingMetrics(InteractionMetrics<?> inner) {
      this.inner = inner;
    }

    @Override
    public Interaction initiateRequest() {
      return new Interaction(inner.initiateRequest());
    }

    @Override
    public void reportFailure(Interaction interaction, Throwable failure) {
      inner.reportFailure(interaction.inner, failure);
      Observer told = observer.get();
      if (!interaction.failed && registration != null && told != null) {
        interaction.failed = true;
        told.failed(registration, failure);
      }
    }

    @Override
    public void reportRequestBegin(Interaction interaction) {
      inner.reportRequestBegin(interaction.inner);
    }

    @Override
    public void reportRequestEnd(Interaction interaction) {
      inner.reportRequestEnd(interaction.inner);
    }

    @Override
    public void reportResponseBegin(Interaction interaction) {
      inner.reportResponseBegin(interaction.inner);
    }

    @Override
    public void reportResponseEnd(Interaction interaction) {
      inner.reportResponseEnd(interaction.inner);
      Observer told = observer.get();
      if (!interaction.failed && registration != null && told != null) {
        told.succeeded(registration, System.nanoTime() - interaction.startNanos);
      }
    }
  }

  /** A server as the delegate sees it: the same, with the delegate's own metrics. */
  private static final class DelegateView implements ServerEndpoint {
    private final ServerEndpoint server;
    private final InteractionMetrics<?> metrics;

    private DelegateView(ServerEndpoint server, InteractionMetrics<?> metrics) {
      this.server = server;
      this.metrics = metrics;
    }

    @Override
    public String key() {
      return server.key();
    }

    @Override
    public SocketAddress address() {
      return server.address();
    }

    @Override
    public ServerInteraction newInteraction() {
      return server.newInteraction();
    }

    @Override
    public InteractionMetrics<?> metrics() {
      return metrics;
    }

    @Override
    public Object unwrap() {
      return server.unwrap();
    }
  }
}
