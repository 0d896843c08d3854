package org.vertxetcd.discovery.tests;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistrySubscription;
import org.vertxetcd.discovery.support.DiscoveryExtension;
import org.vertxetcd.discovery.support.TestNode;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Lookups by service name and subscriptions to one service, through {@link EtcdRegistry}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LookupTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private TestNode writer;
  private TestNode reader;

  @BeforeEach
  void startNodes() {
    writer = etcd.node("writer");
    reader = etcd.node("reader");
  }

  @Test
  void aLookupByNameAnswersTheServicesUpRecordsFilteredLikeServiceDiscovery() {
    Record eu = publish("greeter", Status.UP, "eu");
    Record euUpperCase = publish("greeter", Status.UP, "EU");
    Record us = publish("greeter", Status.UP, "us");
    Record down = publish("greeter", Status.DOWN, "eu");
    publish("other", Status.UP, "eu");
    EtcdRegistry registry = writer.registry();

    // The writer reads its own writes at once.
    assertEquals(ids(eu, euUpperCase, us), ids(await(registry.lookup("greeter"))));
    assertEquals(ids(eu, euUpperCase), ids(await(registry.lookup("greeter", zone("eu")))));
    assertEquals(ids(down), ids(await(registry.lookup("greeter", zone("eu").put("status", "DOWN")))));
    assertEquals(ids(eu, euUpperCase, us, down), ids(await(registry.lookup("greeter",
      new JsonObject().put("status", "*")))));
    assertEquals(Set.of(), ids(await(registry.lookup("greeter", zone("*").put("absent", "*")))));
    assertEquals(Set.of(), ids(await(registry.lookup("Greeter"))), "names are exact");
    assertEquals(Set.of(), ids(await(registry.lookup("nobody"))));
    assertEquals(ids(await(writer.discovery().getRecords(zone("eu").put("name", "greeter")))),
      ids(await(registry.lookup("greeter", zone("eu")))), "the same answer as ServiceDiscovery.getRecords");

    // Another node, once its watch delivered the writes; then a removal.
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals(ids(eu, euUpperCase, us), ids(await(reader.registry().lookup("greeter")))));
    await(writer.unpublish(eu.getRegistration()));
    await().atMost(etcd.delivery()).untilAsserted(() ->
      assertEquals(ids(euUpperCase, us), ids(await(reader.registry().lookup("greeter")))));

    Record copy = await(reader.registry().lookup("greeter")).get(0);
    copy.getMetadata().put("zone", "changed");
    assertTrue(await(reader.registry().lookup("greeter")).stream()
      .noneMatch(record -> "changed".equals(record.getMetadata().getString("zone"))), "lookups return copies");
  }

  @Test
  void aServiceSubscriptionStartsWithItsRecordsAndReceivesOnlyItsChangesInOrder() {
    Record first = publish("greeter", Status.UP, "eu");
    Record second = publish("greeter", Status.DOWN, "us");
    Record other = publish("other", Status.UP, "eu");
    // The reader follows the writer through its watch: subscribe once it has all three, so that the snapshots hold
    // them and no JOIN of theirs arrives as an event.
    await().atMost(etcd.delivery()).until(() -> ids(await(reader.registry().snapshot()).records())
      .equals(ids(first, second, other)));
    List<RegistryEvent> received = new CopyOnWriteArrayList<>();
    List<RegistryEvent> everything = new CopyOnWriteArrayList<>();
    RegistrySubscription subscription = await(reader.registry().subscribe("greeter", received::add));
    await(reader.registry().subscribe(everything::add));

    assertEquals(ids(first, second), ids(subscription.snapshot().records()), "any status, this service only");
    await(writer.discovery().update(first.setStatus(Status.OUT_OF_SERVICE)));
    publish("other", Status.UP, "us");
    Record third = publish("greeter", Status.UP, "eu");
    await(writer.unpublish(second.getRegistration()));
    await().atMost(etcd.delivery()).until(() -> everything.size() == 4);

    assertEquals(List.of(RegistryEventType.UPDATE, RegistryEventType.JOIN, RegistryEventType.LEAVE),
      received.stream().map(RegistryEvent::type).collect(Collectors.toList()));
    assertEquals(List.of(first.getRegistration(), third.getRegistration(), second.getRegistration()),
      received.stream().map(RegistryEvent::registration).collect(Collectors.toList()));
    assertTrue(received.get(0).revision() > subscription.snapshot().revision());
    assertEquals(describe(everything.stream().filter(event -> event.name().equals("greeter"))),
      describe(received.stream()), "the same events as the whole registry's, in the same order");

    await(subscription.cancel());
    publish("greeter", Status.UP, "eu");
    await().atMost(etcd.delivery()).until(() -> everything.size() == 5);
    assertEquals(3, received.size(), "no delivery after cancel");
  }

  private Record publish(String name, Status status, String zone) {
    return await(writer.discovery().publish(new Record().setName(name).setStatus(status).setMetadata(zone(zone))));
  }

  private static JsonObject zone(String zone) {
    return new JsonObject().put("zone", zone);
  }

  private static Set<String> ids(Record... records) {
    return ids(List.of(records));
  }

  private static Set<String> ids(List<Record> records) {
    return records.stream().map(Record::getRegistration).collect(Collectors.toSet());
  }

  private static List<String> describe(Stream<RegistryEvent> events) {
    return events.map(event -> event.type() + " " + event.registration() + " @" + event.revision())
      .collect(Collectors.toList());
  }
}
