package org.vertxetcd.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistrySnapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every instance of the registry as the console shows it: its record and since when it is registered. It holds
 * what the registry holds, no more: a LEAVE removes its entry. Used on the gateway's context only.
 */
final class InstanceTable {

  /** An instance's counts by status, for one service. */
  record Counts(int up, int outOfService, int down) {
    static final Counts NONE = new Counts(0, 0, 0);

    Counts plus(Status status) {
      return switch (status) {
        case UP -> new Counts(up + 1, outOfService, down);
        case OUT_OF_SERVICE -> new Counts(up, outOfService + 1, down);
        default -> new Counts(up, outOfService, down + 1);
      };
    }

    JsonObject toJson() {
      return new JsonObject().put("up", up).put("outOfService", outOfService).put("down", down);
    }
  }

  private record Entry(Record record, String since) {
  }

  private final Map<String, Entry> instances = new LinkedHashMap<>();

  /**
   * @param snapshot the registry at the start of the subscription
   */
  void reset(RegistrySnapshot snapshot) {
    instances.clear();
    snapshot.records().forEach(record -> instances.put(record.getRegistration(), new Entry(record,
      registeredAt(record))));
  }

  /** The demo's greeters say when they registered; other records are taken as registered when first seen. */
  private static String registeredAt(Record record) {
    Object registeredAt = record.getMetadata() == null ? null : record.getMetadata().getValue("registeredAt");
    return registeredAt instanceof String given ? given : Instant.now().toString();
  }

  /**
   * @param event a change of the registry
   * @return the record before the change, {@code null} for a JOIN
   */
  Record apply(RegistryEvent event) {
    Entry previous = event.type() == RegistryEventType.LEAVE ? instances.remove(event.registration())
      : instances.put(event.registration(), new Entry(event.record(), sinceOf(event)));
    return previous == null ? null : previous.record();
  }

  private String sinceOf(RegistryEvent event) {
    Entry known = instances.get(event.registration());
    return known == null ? registeredAt(event.record()) : known.since();
  }

  /**
   * @param registration a registration id
   * @return its record, {@code null} when the registry does not hold it
   */
  Record get(String registration) {
    Entry entry = instances.get(registration);
    return entry == null ? null : entry.record();
  }

  /** @return the registration ids of every instance */
  Collection<String> registrations() {
    return List.copyOf(instances.keySet());
  }

  /** @return each service's instances counted by status, by service name */
  Map<String, Counts> countsByService() {
    Map<String, Counts> counts = new TreeMap<>();
    instances.values().forEach(entry -> counts.compute(entry.record().getName(),
      (name, known) -> (known == null ? Counts.NONE : known).plus(entry.record().getStatus())));
    return counts;
  }

  /** @return {@code [{"record": ..., "since": "2025-..."}]} */
  JsonArray toJson() {
    List<Object> entries = new ArrayList<>(instances.size());
    instances.values().forEach(entry -> entries.add(entry(entry.record(), entry.since())));
    return new JsonArray(entries);
  }

  /**
   * @param record an instance's record
   * @param since  since when it is registered
   * @return the instance as the console shows it
   */
  static JsonObject entry(Record record, String since) {
    return new JsonObject().put("record", record.toJson()).put("since", since);
  }
}
