package org.vertxetcd.discovery.tests;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.support.BackendConfig;
import org.vertxetcd.discovery.support.EventRecorder;
import org.vertxetcd.launcher.EtcdExtension;
import org.vertxetcd.launcher.FaultProxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Nodes that follow only some services ({@code services}, {@code onDemand}): they see those and their own records,
 * never another service's, with the guarantees of the whole-registry watch per service.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ScopedViewTest {

  @RegisterExtension
  static EtcdExtension etcd = EtcdExtension.members(1);

  private final String prefix = EtcdExtension.newPrefix();
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  /** A node of its own Vert.x instance. */
  private final class Node {
    private final Vertx vertx = Vertx.vertx();
    private final ServiceDiscovery discovery;
    private final EtcdRegistry registry;
    private final EventRecorder events;
    private final EventRecorder announcements;

    Node(JsonObject config) {
      resources.add(() -> await(vertx.close()));
      EtcdBackendOptions options = new EtcdBackendOptions(config);
      events = EventRecorder.listen(vertx, options.getEventsAddress());
      announcements = EventRecorder.listen(vertx, options.getAnnounceAddress());
      discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setBackendConfiguration(config));
      registry = EtcdRegistry.create(vertx, config);
      await(registry.snapshot());
    }

    Set<String> names() {
      return await(discovery.getRecords(new JsonObject())).stream().map(Record::getName).collect(Collectors.toSet());
    }

    Set<String> eventNames() {
      return events.events().stream().map(RegistryEvent::name).collect(Collectors.toSet());
    }

    Set<String> announcedNames() {
      return announcements.messages().stream().map(message -> message.getString("name"))
        .collect(Collectors.toSet());
    }
  }

  @Test
  void aScopedNodeSeesItsServicesAndItsOwnRecordsOnly() {
    Node everything = new Node(config());
    Node scoped = new Node(config().put("services", new JsonArray().add("greeter")));
    List<Record> greeters = List.of(await(everything.discovery.publish(new Record().setName("greeter"))),
      await(everything.discovery.publish(new Record().setName("greeter"))));
    await(everything.discovery.publish(new Record().setName("billing")));
    Record worker = await(scoped.discovery.publish(new Record().setName("worker")));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(Set.of("greeter", "worker"), scoped.names(), "its service and its own record");
      assertEquals(Set.of("greeter", "billing", "worker"), everything.names());
      assertEquals(2, await(scoped.registry.lookup("greeter")).size());
      assertEquals(Set.of("greeter"), scoped.eventNames());
    });
    assertEquals(0, await(scoped.registry.lookup("billing")).size(), "not on demand: billing stays out");
    // ServiceDiscovery announces the node's own publish itself; the registry announces the scope only.
    assertEquals(Set.of("greeter", "worker"), scoped.announcedNames(), "no announcement of billing");

    // Its own record outside the scope: updated, removed, and in etcd like any other.
    await(scoped.discovery.update(worker.setMetadata(new JsonObject().put("step", 2))));
    assertEquals(2, await(scoped.registry.lookup("worker")).get(0).getMetadata().getInteger("step"));
    await().atMost(Duration.ofSeconds(10)).until(() -> await(everything.registry.lookup("worker")).stream()
      .anyMatch(record -> Integer.valueOf(2).equals(record.getMetadata().getInteger("step"))));
    await(scoped.discovery.unpublish(worker.getRegistration()));
    assertEquals(Set.of("greeter"), scoped.names());
    await().atMost(Duration.ofSeconds(10)).until(() -> !everything.names().contains("worker"));

    // A greeter leaving reaches the scoped node, exactly once.
    await(everything.discovery.unpublish(greeters.get(0).getRegistration()));
    await().atMost(Duration.ofSeconds(10)).until(() -> scoped.events.events(RegistryEventType.LEAVE).size() == 1);
    scoped.events.assertInRevisionOrderWithoutDuplicates();
  }

  @Test
  void aProviderThatFollowsNothingKeepsItsRecordsRegisteredAcrossALeaseLoss() {
    Node everything = new Node(config());
    Node provider = new Node(config().put("services", new JsonArray()));
    await(everything.discovery.publish(new Record().setName("greeter")));
    Record worker = await(provider.discovery.publish(new Record().setName("worker")));
    assertEquals(Set.of("worker"), provider.names(), "a provider follows nothing but its own records");
    long lease = provider.registry.health().leaseId();

    etcd.etcdctl("lease", "revoke", Long.toHexString(lease));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      long renewed = provider.registry.health().leaseId();
      assertTrue(renewed != 0 && renewed != lease, "a new lease");
      assertTrue(etcd.etcdctl("lease", "timetolive", Long.toHexString(renewed), "--keys")
        .contains(worker.getRegistration()), "the record is registered again under it");
    });
    assertEquals(Set.of("worker"), provider.names());
  }

  @Test
  void anOnDemandNodeJoinsAServiceAtItsFirstLookup() {
    Node everything = new Node(config());
    await(everything.discovery.publish(new Record().setName("billing")));
    await(everything.discovery.publish(new Record().setName("greeter")));
    Node onDemand = new Node(config().put("onDemand", true));
    assertEquals(Set.of(), onDemand.names(), "nothing followed before a first use");

    assertEquals(1, await(onDemand.registry.lookup("billing")).size(), "the first lookup waits for the service");
    assertEquals(Set.of("billing"), onDemand.names(), "and only that service joined");
    await(everything.discovery.publish(new Record().setName("billing")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertEquals(2, await(onDemand.registry.lookup("billing")).size());
      assertEquals(List.of(RegistryEventType.JOIN), onDemand.events.events().stream().map(RegistryEvent::type)
        .collect(Collectors.toList()), "the service's changes after it joined");
    });
    assertEquals(Set.of("billing"), onDemand.names());
  }

  @Test
  void aScopedWatchBehindACompactionPublishesTheDifference() throws Exception {
    FaultProxy proxy = new FaultProxy(etcd.cluster().member(0).clientPort());
    resources.add(proxy);
    Node everything = new Node(config());
    Node scoped = new Node(config().put("services", new JsonArray().add("greeter"))
      .put("endpoints", new JsonArray().add(proxy.url())));
    Record leaving = await(everything.discovery.publish(new Record().setName("greeter")));
    await().atMost(Duration.ofSeconds(10)).until(() -> scoped.eventNames().contains("greeter"));
    int before = scoped.events.events().size();

    proxy.cutAndReset();
    await(everything.discovery.unpublish(leaving.getRegistration()));
    Record joined = await(everything.discovery.publish(new Record().setName("greeter")));
    await(everything.discovery.publish(new Record().setName("billing")));
    String revision = etcd.etcdctl("get", "/", "-w", "json").replaceAll(".*\"revision\":(\\d+).*\\s*", "$1");
    etcd.etcdctl("compact", revision);
    proxy.heal();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      List<RegistryEvent> difference = scoped.events.events().subList(before, scoped.events.events().size());
      assertEquals(Set.of(leaving.getRegistration() + " LEAVE", joined.getRegistration() + " JOIN"),
        difference.stream().map(event -> event.registration() + " " + event.type()).collect(Collectors.toSet()));
    });
    assertTrue(scoped.names().equals(Set.of("greeter")));
  }

  private JsonObject config() {
    return BackendConfig.forCluster(etcd, prefix).put("requestTimeout", 3_000);
  }
}
