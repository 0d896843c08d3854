package org.vertxetcd.discovery.impl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
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
    InvalidRecordException(String message) {
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
  public static Record decode(KeyLayout.ParsedKey key, byte[] value) throws InvalidRecordException {
    JsonObject json;
    try {
      json = FrozenJson.parseObject(value);
    } catch (DecodeException e) {
      throw new InvalidRecordException("the value is not a JSON object");
    }
    Record record;
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
    if (record.getRegistration() == null) {
      record.setRegistration(key.registration());
    } else if (!record.getRegistration().equals(key.registration())) {
      throw new InvalidRecordException("the record's registration '" + record.getRegistration()
        + "' does not match its key");
    }
    return record;
  }

  /** Reads a record like {@code new Record(json)} does, from frozen JSON, sharing its location and metadata. */
  private static Record frozenRecord(JsonObject json) {
    Record record = new Record()
      .setName(string(json, "name"))
      .setRegistration(string(json, "registration"))
      .setType(string(json, "type"))
      .setLocation(object(json, "location"))
      .setMetadata(object(json, "metadata"));
    String status = string(json, "status");
    return status == null ? record : record.setStatus(Status.valueOf(status));
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
   * @param record a record of a caller
   * @return an immutable snapshot of it, for the cache (its location and metadata are frozen deep copies)
   */
  public static Record snapshot(Record record) {
    return new Record()
      .setName(record.getName())
      .setRegistration(record.getRegistration())
      .setStatus(record.getStatus())
      .setType(record.getType())
      .setLocation(FrozenJson.freeze(record.getLocation()))
      .setMetadata(FrozenJson.freeze(record.getMetadata()));
  }

  /**
   * @param cached a record of the cache
   * @return a record for a caller: mutating it (or what its getters return) cannot change the cached one
   */
  public static Record view(Record cached) {
    return new RecordView(cached);
  }
}
