package org.vertxetcd.discovery;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;

import java.util.Objects;

/**
 * One change of the registry, published on the {@code eventsAddress} as its {@link #toJson() JSON form}:
 * <pre>
 * {"type":"JOIN","name":"greeter","registration":"5f1c...","record":{...},"revision":42,"local":false}
 * </pre>
 * Each node publishes exactly one event per change of etcd, in revision order.
 */
@DataObject
public final class RegistryEvent {

  private final RegistryEventType type;
  private final String name;
  private final String registration;
  private final JsonObject record;
  private final long revision;
  private final boolean local;

  /**
   * @param type         what happened
   * @param record       the record after the change, or for {@link RegistryEventType#LEAVE} the last known record
   * @param revision     the etcd revision of the change
   * @param local        whether this node made the change
   */
  public RegistryEvent(RegistryEventType type, Record record, long revision, boolean local) {
    this(type, record.getName(), record.getRegistration(), record.toJson(), revision, local);
  }

  /**
   * Reads an event from its JSON form, as received on the event bus.
   *
   * @param json the JSON form
   */
  public RegistryEvent(JsonObject json) {
    this(RegistryEventType.valueOf(json.getString("type")), json.getString("name"), json.getString("registration"),
      json.getJsonObject("record"), json.getLong("revision", 0L), json.getBoolean("local", false));
  }

  private RegistryEvent(RegistryEventType type, String name, String registration, JsonObject record, long revision,
                        boolean local) {
    this.type = Objects.requireNonNull(type, "type");
    this.name = name;
    this.registration = registration;
    this.record = record;
    this.revision = revision;
    this.local = local;
  }

  /**
   * @return the JSON form published on the event bus; a new copy (one event object reaches every subscriber)
   */
  public JsonObject toJson() {
    return new JsonObject()
      .put("type", type.name())
      .put("name", name)
      .put("registration", registration)
      .put("record", record == null ? null : record.copy())
      .put("revision", revision)
      .put("local", local);
  }

  /**
   * @return what happened
   */
  public RegistryEventType type() {
    return type;
  }

  /**
   * @return the service name of the record
   */
  public String name() {
    return name;
  }

  /**
   * @return the registration id of the record
   */
  public String registration() {
    return registration;
  }

  /**
   * @return a new copy of the record after the change; for a LEAVE, the last known record
   */
  public Record record() {
    return new Record(record.copy());
  }

  /**
   * @return the etcd revision at which the change happened
   */
  public long revision() {
    return revision;
  }

  /**
   * @return whether this node made the change
   */
  public boolean local() {
    return local;
  }

  @Override
  public String toString() {
    return "RegistryEvent" + toJson().encode();
  }
}
