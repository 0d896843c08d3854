package org.vertxetcd.discovery.impl.routing;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.endpoint.InteractionMetrics;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.core.net.endpoint.ServerEndpoint;
import io.vertx.core.net.endpoint.ServerInteraction;
import io.vertx.core.net.endpoint.ServerSelector;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A Vert.x load balancer that sees the outcome of every request (for outlier ejection and per-instance statistics)
 * and leaves the choice to the one the application picked: the delegate selects among the same servers, reading
 * its own interaction metrics (least-requests and power-of-two read their in-flight counts).
 * <p>
 * An instance whose last request failed gets one request at a time until one succeeds: requests sent to a dead
 * instance while the failure of another is on its way back would each fail too, so that, under steady traffic, no
 * more requests fail than it takes to eject it (those it had taken when it died aside). Sticky selections (with a
 * routing key) are left as the delegate makes them.
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

    /**
     * @param registration the instance
     * @return whether its last request failed (and ejection is on): it then gets one request at a time
     */
    boolean failing(String registration);
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
    ServerSelector selector = delegate.selector(forDelegate);
    return new ServerSelector() {
      @Override
      public int select() {
        return selectAvoidingBusyFailing(selector, servers);
      }

      @Override
      public int select(String key) {
        return selector.select(key);
      }
    };
  }

  /** Asks the delegate again, at most once per server, while it picks a failing instance that has a request out. */
  private int selectAvoidingBusyFailing(ServerSelector selector, List<? extends ServerEndpoint> servers) {
    int selected = selector.select();
    for (int asked = 1; asked < servers.size() && selected >= 0 && busyFailing(servers.get(selected)); asked++) {
      selected = selector.select();
    }
    return selected;
  }

  private boolean busyFailing(ServerEndpoint server) {
    if (!(server.metrics() instanceof ObservingMetrics)) {
      return false;
    }
    ObservingMetrics metrics = (ObservingMetrics) server.metrics();
    Observer told = observer.get();
    return metrics.inFlight.get() > 0 && metrics.registration != null && told != null
      && told.failing(metrics.registration);
  }

  /** One request, as the delegate's metrics see it, and whether it ended already (a timeout is reported twice). */
  private static final class Interaction {
    private final Object inner;
    private final long startNanos = System.nanoTime();
    private boolean ended;

    private Interaction(Object inner) {
      this.inner = inner;
    }
  }

  /** The metrics of one server: the delegate's, plus what the observer and the busy check need. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private final class ObservingMetrics implements InteractionMetrics<Interaction> {
    private final InteractionMetrics inner;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile String registration;

    private ObservingMetrics(InteractionMetrics<?> inner) {
      this.inner = inner;
    }

    @Override
    public Interaction initiateRequest() {
      inFlight.incrementAndGet();
      return new Interaction(inner.initiateRequest());
    }

    @Override
    public void reportFailure(Interaction interaction, Throwable failure) {
      inner.reportFailure(interaction.inner, failure);
      if (end(interaction)) {
        Observer told = observer.get();
        if (registration != null && told != null) {
          told.failed(registration, failure);
        }
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
      if (end(interaction)) {
        Observer told = observer.get();
        if (registration != null && told != null) {
          told.succeeded(registration, System.nanoTime() - interaction.startNanos);
        }
      }
    }

    /** @return whether this ends the interaction (it was not ended before) */
    private boolean end(Interaction interaction) {
      synchronized (interaction) {
        if (interaction.ended) {
          return false;
        }
        interaction.ended = true;
      }
      inFlight.decrementAndGet();
      return true;
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
