package org.vertxetcd.discovery.impl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;

/**
 * Encodes records as the values stored in etcd ({@code record.toJson()} as UTF-8 JSON) and decodes values read back,
 * checking that they are records that belong under their key.
 * <p>
 * A stored value may leave out {@code registration} (a record written by hand with {@code etcdctl}); it then takes
 * the registration id of its key. When present, name and registration must match the key.
 */
public final class RecordCodec {

  /** Why a value under the registry's prefix is not a record. */
  public static final class InvalidRecordException extends Exception {
    /**
     * @param message why the value is not a record, without the value itself
     */
    public InvalidRecordException(String message) {
      super(message, null, false, false);
    }
  }

  private RecordCodec() {
  }

  /**
   * @param record a record with name and registration
   * @return its stored form
   */
  public static byte[] encode(Record record) {
    return record.toJson().toBuffer().getBytes();
  }

  /**
   * @param key   the parsed key the value was read under
   * @param value the stored bytes
   * @return the record they hold
   * @throws InvalidRecordException when the value is not a record belonging under that key
   */
  public static CachedRecord decode(KeyLayout.ParsedKey key, byte[] value) throws InvalidRecordException {
    JsonObject json;
    try {
      json = FrozenJson.parseObject(value);
    } catch (DecodeException e) {
      throw new InvalidRecordException("the value is not a JSON object");
    }
    CachedRecord record;
    try {
      record = frozenRecord(json);
    } catch (RuntimeException e) {
      throw new InvalidRecordException("the JSON is not a record (" + e.getMessage() + ")");
    }
    if (record.getName() == null) {
      throw new InvalidRecordException("the record has no name");
    }
    if (!record.getName().equals(key.name())) {
      throw new InvalidRecordException("the record's name '" + record.getName() + "' does not match its key's name '"
        + key.name() + "'");
    }
    if (record.getRegistration() != null && !record.getRegistration().equals(key.registration())) {
      throw new InvalidRecordException("the record's registration '" + record.getRegistration()
        + "' does not match its key");
    }
    // The key's string: the cache's maps are keyed by it, so the record shares it instead of holding a copy.
    record.setRegistration(key.registration());
    return record;
  }

  /** Reads a record like {@code new Record(json)} does, from frozen JSON, sharing its location and metadata. */
  private static CachedRecord frozenRecord(JsonObject json) {
    CachedRecord record = new CachedRecord();
    record.setName(string(json, "name"))
      .setRegistration(string(json, "registration"))
      .setType(string(json, "type"))
      .setLocation(object(json, "location"))
      .setMetadata(object(json, "metadata"));
    String status = string(json, "status");
    if (status != null) {
      record.setStatus(Status.valueOf(status));
    }
    return record;
  }

  private static String string(JsonObject json, String key) {
    Object value = json.getValue(key);
    return value instanceof String ? (String) value : null;
  }

  private static JsonObject object(JsonObject json, String key) {
    Object value = json.getValue(key);
    return value instanceof JsonObject ? (JsonObject) value : null;
  }

  /**
   * @param location a record's location
   * @return where to connect: its {@code host} and {@code port}, or {@code null} when it does not have both
   */
  public static SocketAddress socketAddress(JsonObject location) {
    if (location == null || !(location.getValue("host") instanceof String)
      || !(location.getValue("port") instanceof Number)) {
      return null;
    }
    return SocketAddress.inetSocketAddress(location.getInteger("port"), location.getString("host"));
  }

  /**
   * @param record a record of a caller
   * @return an immutable snapshot of it, for the cache (its location and metadata are frozen deep copies)
   */
  public static CachedRecord snapshot(Record record) {
    CachedRecord snapshot = new CachedRecord();
    snapshot.setName(record.getName())
      .setRegistration(record.getRegistration())
      .setStatus(record.getStatus())
      .setType(record.getType())
      .setLocation(FrozenJson.freeze(record.getLocation()))
      .setMetadata(FrozenJson.freeze(record.getMetadata()));
    return snapshot;
  }
}
