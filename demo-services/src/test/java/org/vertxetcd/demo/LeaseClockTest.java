package org.vertxetcd.demo;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.launcher.EtcdExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/** The console's lease times: grouped by lease, one question to etcd per lease, whatever the number of records. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseClockTest {

  private static final int TTL = 5;

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final List<Vertx> nodes = new ArrayList<>();

  @AfterEach
  void closeNodes() {
    nodes.forEach(node -> await(node.close()));
  }

  @Test
  void asksEtcdOncePerLeaseAndGivesEveryRecordItsNodesTimeLeft(Vertx console) {
    JsonObject config = DemoConfig.parse(List.of("--endpoints", String.join(",", etcd.endpoints()), "--prefix",
      EtcdExtension.newPrefix(), "--ttl", Integer.toString(TTL)), Map.of()).backendConfig();
    List<String> first = publish(config, 3);
    List<String> second = publish(config, 2);
    EtcdRegistry registry = EtcdRegistry.create(console, config);
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    await().atMost(Duration.ofSeconds(5)).until(() -> all.stream().allMatch(r -> registry.leaseOf(r) != 0));
    LeaseClock clock = new LeaseClock(registry);

    JsonObject times = await(clock.timesLeft(all));

    assertEquals(2, clock.queries(), "one question per lease, not per record");
    assertEquals(Set.copyOf(all), times.fieldNames());
    assertEquals(1, leasesOf(times, first).size(), "a node's records share its lease");
    assertNotEquals(leasesOf(times, first), leasesOf(times, second));
    all.forEach(registration -> {
      long left = times.getJsonObject(registration).getLong("secondsLeft");
      assertTrue(left >= 0 && left <= TTL, registration + ": " + left);
    });

    assertEquals(Set.of(), await(clock.timesLeft(List.of("not-registered"))).fieldNames(),
      "an instance the view does not hold has no lease to ask about");
  }

  private List<String> publish(JsonObject config, int records) {
    Vertx node = Vertx.vertx();
    nodes.add(node);
    ServiceDiscovery discovery = ServiceDiscovery.create(node, new ServiceDiscoveryOptions()
      .setBackendConfiguration(config));
    List<String> registrations = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      registrations.add(await(discovery.publish(new Record().setName("svc").setType("x"))).getRegistration());
    }
    return registrations;
  }

  private static Set<String> leasesOf(JsonObject times, List<String> registrations) {
    return registrations.stream().map(registration -> times.getJsonObject(registration).getString("lease"))
      .collect(Collectors.toSet());
  }
}
