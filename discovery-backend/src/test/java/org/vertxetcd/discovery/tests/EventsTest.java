package org.vertxetcd.discovery.tests;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.Status;
import io.vertx.test.fakecluster.FakeClusterManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistrySubscription;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.EtcdHistory;
import org.vertxetcd.discovery.support.EventRecorder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Change events on the event bus between nodes of one JVM: their content, the snapshot contract, announcements, and
 * a clustered event bus.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EventsTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1).withConfig(new JsonObject().put("ttl", 10));

  @Test
  void joinUpdateAndLeaveCarryTheRecordItsRevisionAndWhoMadeIt() {
    Vertx writer = node();
    Vertx reader = node();
    EventRecorder local = EventRecorder.listen(writer, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    EventRecorder remote = EventRecorder.listen(reader, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    ServiceDiscovery discovery = discovery(writer);
    discovery(reader);

    Record record = await(discovery.publish(new Record().setName("greeter").setType("http-endpoint")
      .setLocation(new JsonObject().put("host", "10.0.0.1").put("port", 8080))
      .setMetadata(new JsonObject().put("zone", "eu"))));
    await(discovery.update(record.setStatus(Status.OUT_OF_SERVICE)));
    await(discovery.unpublish(record.getRegistration()));

    await().atMost(etcd.delivery()).until(() -> remote.events().size() == 3 && local.events().size() == 3);
    List<RegistryEvent> events = remote.events();
    assertEquals(List.of(RegistryEventType.JOIN, RegistryEventType.UPDATE, RegistryEventType.LEAVE),
      events.stream().map(RegistryEvent::type).collect(Collectors.toList()));
    remote.assertInRevisionOrderWithoutDuplicates();
    for (RegistryEvent event : events) {
      assertEquals("greeter", event.name());
      assertEquals(record.getRegistration(), event.registration());
      assertEquals(record.getRegistration(), event.record().getRegistration());
      assertFalse(event.local(), "made by the other node");
    }
    assertEquals(Status.UP, events.get(0).record().getStatus());
    assertEquals(Status.OUT_OF_SERVICE, events.get(1).record().getStatus(), "a status change is an UPDATE");
    Record lastKnown = events.get(2).record();
    assertEquals("eu", lastKnown.getMetadata().getString("zone"), "a LEAVE carries the last known record");
    assertEquals(8080, lastKnown.getLocation().getInteger("port"));
    assertEquals(Status.OUT_OF_SERVICE, lastKnown.getStatus());
    assertEquals(events.stream().map(RegistryEvent::revision).collect(Collectors.toList()),
      local.events().stream().map(RegistryEvent::revision).collect(Collectors.toList()));
    assertTrue(local.events().stream().allMatch(RegistryEvent::local), "the writer sees its own changes as local");

    JsonObject json = remote.messages().get(0);
    assertEquals(Map.of("type", "JOIN", "name", "greeter", "registration", record.getRegistration(),
      "revision", events.get(0).revision(), "local", false),
      Map.of("type", json.getString("type"), "name", json.getString("name"),
        "registration", json.getString("registration"), "revision", json.getLong("revision"),
        "local", json.getBoolean("local")));
  }

  @Test
  void aKeyDeletedWithEtcdctlArrivesAsLeave() {
    Vertx reader = node();
    EventRecorder events = EventRecorder.listen(reader, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    discovery(reader);
    Record record = await(discovery(node()).publish(new Record().setName("svc")));
    await().atMost(etcd.delivery()).until(() -> events.events().size() == 1);

    etcd.etcdctl("del", etcd.prefix() + "/svc/" + record.getRegistration());

    await().atMost(etcd.delivery()).until(() -> events.events().size() == 2);
    RegistryEvent leave = events.events().get(1);
    assertEquals(RegistryEventType.LEAVE, leave.type());
    assertEquals(record.getRegistration(), leave.registration());
  }

  @Test
  void theInitialSyncReplaysNothingAndASubscriptionStartsWithASnapshot() {
    ServiceDiscovery writer = discovery(node());
    for (int i = 0; i < 5; i++) {
      await(writer.publish(new Record().setName("existing")));
    }
    Vertx late = node();
    EventRecorder events = EventRecorder.listen(late, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    EtcdRegistry registry = EtcdRegistry.create(late, etcd.config());
    List<RegistryEvent> received = new CopyOnWriteArrayList<>();
    RegistrySubscription subscription = await(registry.subscribe(received::add));

    assertEquals(5, subscription.snapshot().records().size());
    Record joined = await(writer.publish(new Record().setName("new")));
    await().atMost(etcd.delivery()).until(() -> received.size() == 1);
    assertEquals(joined.getRegistration(), received.get(0).registration());
    assertTrue(received.get(0).revision() > subscription.snapshot().revision());
    assertEquals(1, events.events().size(), "existing records are not replayed as events");

    await(subscription.cancel());
    await(writer.publish(new Record().setName("after-cancel")));
    await().atMost(etcd.delivery()).until(() -> events.events().size() == 2);
    assertEquals(1, received.size(), "no delivery after cancel");
  }

  @Test
  void aSnapshotFollowedByItsEventsIsTheWholeHistoryWhileWritesGoOn() {
    ServiceDiscovery writer = discovery(node());
    EtcdRegistry registry = EtcdRegistry.create(node(), etcd.config());
    await(registry.snapshot());
    List<Future<Record>> before = new ArrayList<>();
    List<Future<Record>> during = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      before.add(writer.publish(new Record().setName("svc").setMetadata(new JsonObject().put("i", i))));
    }
    List<RegistryEvent> received = new CopyOnWriteArrayList<>();
    RegistrySubscription subscription = await(registry.subscribe(received::add));
    for (int i = 0; i < 200; i++) {
      during.add(writer.publish(new Record().setName("svc").setMetadata(new JsonObject().put("i", 200 + i))));
    }
    await(Future.all(before));
    await(Future.all(during));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Map<String, Record> view = new HashMap<>();
      subscription.snapshot().records().forEach(record -> view.put(record.getRegistration(), record));
      received.forEach(event -> view.put(event.registration(), event.record()));
      assertEquals(400, view.size(), "snapshot + events = every record, none missed");
    });
    EventRecorder.assertInRevisionOrderWithoutDuplicates(EtcdHistory.Change.ofAll(received));
    long overlap = received.stream().filter(event -> subscription.snapshot().records().stream()
      .anyMatch(record -> record.getRegistration().equals(event.registration()))).count();
    assertEquals(0, overlap, "no change is both in the snapshot and delivered as an event");
  }

  @Test
  void remoteChangesAreAnnouncedOnceAndOwnCallsAreAnnouncedOnlyByServiceDiscovery() {
    Vertx writerNode = node();
    Vertx readerNode = node();
    EventRecorder writerAnnouncements = EventRecorder.listen(writerNode, "vertx.discovery.announce");
    EventRecorder readerAnnouncements = EventRecorder.listen(readerNode, "vertx.discovery.announce");
    EventRecorder readerEvents = EventRecorder.listen(readerNode, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    ServiceDiscovery writer = discovery(writerNode);
    discovery(readerNode);

    Record record = await(writer.publish(new Record().setName("svc").setMetadata(new JsonObject().put("k", "v"))));
    await(writer.update(record.setStatus(Status.OUT_OF_SERVICE)));
    await(writer.unpublish(record.getRegistration()));
    await().atMost(etcd.delivery()).until(() -> readerEvents.events().size() == 3);
    await().atMost(etcd.delivery()).until(() -> readerAnnouncements.messages().size() == 3);

    List<JsonObject> remote = readerAnnouncements.messages();
    assertEquals(List.of("UP", "OUT_OF_SERVICE", "DOWN"), remote.stream().map(json -> json.getString("status"))
      .collect(Collectors.toList()));
    assertNull(remote.get(0).getString("registration"), "published records are announced as ServiceDiscovery does");
    assertEquals("v", remote.get(2).getJsonObject("metadata").getString("k"));
    assertEquals(3, writerAnnouncements.messages().size(),
      "the writer's own calls are announced by ServiceDiscovery only, not a second time by the backend");
  }

  @Test
  void onAClusteredEventBusEachNodeReceivesEachEventOnce() {
    FakeClusterManager.reset();
    Vertx first = clusteredNode();
    Vertx second = clusteredNode();
    EventRecorder firstEvents = EventRecorder.listen(first, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    EventRecorder secondEvents = EventRecorder.listen(second, EtcdBackendOptions.DEFAULT_EVENTS_ADDRESS);
    ServiceDiscovery writer = discovery(first);
    discovery(second);

    for (int i = 0; i < 10; i++) {
      await(writer.publish(new Record().setName("svc")));
    }

    await().atMost(etcd.delivery()).until(() -> firstEvents.events().size() >= 10
      && secondEvents.events().size() >= 10);
    // Let any duplicate a cluster-wide publish would cause arrive before counting.
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() ->
      firstEvents.events().size() == 10 && secondEvents.events().size() == 10);
    firstEvents.assertInRevisionOrderWithoutDuplicates();
    secondEvents.assertInRevisionOrderWithoutDuplicates();
  }

  private static Vertx node() {
    return etcd.vertx();
  }

  private static Vertx clusteredNode() {
    return etcd.closeAfterTest(await(Vertx.builder().with(new VertxOptions())
      .withClusterManager(new FakeClusterManager()).buildClustered()));
  }

  /** A discovery whose registry has synced: changes after this are events, not part of the initial view. */
  private static ServiceDiscovery discovery(Vertx vertx) {
    return etcd.discovery(vertx);
  }
}
