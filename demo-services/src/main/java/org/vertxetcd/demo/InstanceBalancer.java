package org.vertxetcd.demo;

import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Round robin over the live, UP instances of one service, kept current by the registry's events: an instance is
 * dropped the moment its LEAVE (or a status other than UP) arrives, and added on JOIN. Used on one context only.
 */
public final class InstanceBalancer {

  private final String service;
  private final Map<String, Record> instances = new LinkedHashMap<>();
  private int next;

  /**
   * @param service the service to balance over
   */
  public InstanceBalancer(String service) {
    this.service = service;
  }

  /**
   * @param records the registry's records at the start
   */
  public void reset(List<Record> records) {
    instances.clear();
    records.forEach(this::put);
  }

  /**
   * @param event a change of the registry
   */
  public void onEvent(RegistryEvent event) {
    if (!service.equals(event.name())) {
      return;
    }
    if (event.type() == RegistryEventType.LEAVE) {
      instances.remove(event.registration());
    } else {
      put(event.record());
    }
  }

  private void put(Record record) {
    if (!service.equals(record.getName())) {
      return;
    }
    if (record.getStatus() == Status.UP) {
      instances.put(record.getRegistration(), record);
    } else {
      instances.remove(record.getRegistration());
    }
  }

  /**
   * @return every live instance, starting with the next one in turn: try them in this order until one answers
   */
  public List<Record> rotation() {
    List<Record> live = new ArrayList<>(instances.values());
    if (live.isEmpty()) {
      return live;
    }
    int start = Math.floorMod(next++, live.size());
    List<Record> rotated = new ArrayList<>(live.subList(start, live.size()));
    rotated.addAll(live.subList(0, start));
    return rotated;
  }

  /**
   * @param registration a registration id
   * @return whether that instance is still live
   */
  public boolean isLive(String registration) {
    return instances.containsKey(registration);
  }

  /** @return how many instances are live */
  public int size() {
    return instances.size();
  }
}
