package org.vertxetcd.discovery.impl.routing;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.endpoint.InteractionMetrics;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.core.net.endpoint.ServerEndpoint;
import io.vertx.core.net.endpoint.ServerInteraction;
import io.vertx.core.net.endpoint.ServerSelector;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance whose last request failed gets one request at a time: under steady traffic, the requests sent to a
 * dead instance fail one after the other, and ejection after that many in a row bounds them.
 */
class ObservingLoadBalancerTest {

  /** Says "failing" for the instances whose last outcome was a failure, as outlier ejection does. */
  private final Set<String> failing = new HashSet<>();
  private final ObservingLoadBalancer.Observer observer = new ObservingLoadBalancer.Observer() {
    @Override
    public void succeeded(String registration, long nanos) {
      failing.remove(registration);
    }

    @Override
    public void failed(String registration, Throwable failure) {
      failing.add(registration);
    }

    @Override
    public boolean failing(String registration) {
      return failing.contains(registration);
    }
  };
  private final ObservingLoadBalancer balancer = new ObservingLoadBalancer(LoadBalancer.ROUND_ROBIN, () -> observer);
  private final List<Server> servers = IntStream.range(0, 3).mapToObj(i -> new Server("r-" + i, balancer.newMetrics()))
    .toList();
  private final ServerSelector selector = balancer.selector(servers);

  @Test
  void aFailingInstanceWithARequestOutIsNotSelected() {
    Object first = start(servers.get(0));
    fail(servers.get(0), first);
    Object probe = start(servers.get(0));
    for (int i = 0; i < 30; i++) {
      assertNotEquals(0, selector.select(), "selection " + i + " while the failing instance's probe is out");
    }
    succeed(servers.get(0), probe);
    assertTrue(selectMany(30).contains(0), "selected again once its request succeeded");
  }

  @Test
  void aFailingInstanceGetsItsNextRequestOnceTheLastOneEnded() {
    Object first = start(servers.get(0));
    fail(servers.get(0), first);
    assertTrue(selectMany(30).contains(0), "still failing, but nothing out: it gets one request");
  }

  @Test
  void aHealthyInstanceTakesManyRequestsAtOnce() {
    start(servers.get(0));
    start(servers.get(0));
    assertEquals(10, selectMany(30).stream().filter(index -> index == 0).count(), "its share of round robin");
  }

  @Test
  void whenEveryInstanceIsFailingAndBusyOneIsSelectedAnyway() {
    servers.forEach(server -> {
      fail(server, start(server));
      start(server);
    });
    assertTrue(selector.select() >= 0);
  }

  @Test
  void aTimeoutReportedTwiceEndsTheRequestOnce() {
    Object request = start(servers.get(0));
    fail(servers.get(0), request);
    fail(servers.get(0), request);
    Object other = start(servers.get(0));
    assertTrue(IntStream.range(0, 30).noneMatch(i -> selector.select() == 0), "one request is still out");
    succeed(servers.get(0), other);
  }

  private List<Integer> selectMany(int count) {
    List<Integer> selected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      selected.add(selector.select());
    }
    return selected;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static Object start(Server server) {
    return ((InteractionMetrics) server.metrics).initiateRequest();
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void fail(Server server, Object request) {
    ((InteractionMetrics) server.metrics).reportFailure(request, new IOException("Connection refused"));
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void succeed(Server server, Object request) {
    InteractionMetrics metrics = server.metrics;
    metrics.reportRequestBegin(request);
    metrics.reportRequestEnd(request);
    metrics.reportResponseBegin(request);
    metrics.reportResponseEnd(request);
  }

  private record Server(String key, InteractionMetrics<?> metrics) implements ServerEndpoint {
    @Override
    public SocketAddress address() {
      return SocketAddress.inetSocketAddress(8080, "127.0.0.1");
    }

    @Override
    public ServerInteraction newInteraction() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object unwrap() {
      return this;
    }
  }
}
