package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;

import java.util.Map;

/**
 * A record as the cache holds it: its location and metadata are frozen JSON, so it can be shared by every thread and
 * is never handed to callers. Callers get {@link #view() views}: shallow clones sharing the frozen location and
 * metadata until a getter first reads them, which then gives the view a private mutable copy. A lookup over
 * thousands of records thus costs one small allocation per record (a clone, without running {@code Record}'s
 * constructor), and deep copies only for the records the caller looks into. Setters change the view only.
 */
public final class CachedRecord extends Record implements Cloneable {

  private boolean view;
  private boolean ownLocation;
  private boolean ownMetadata;

  /** @return a record for a caller: mutating it, or what its getters return, cannot change this one */
  public Record view() {
    CachedRecord view;
    try {
      view = (CachedRecord) super.clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError("CachedRecord is Cloneable", e);
    }
    view.view = true;
    view.ownLocation = false;
    view.ownMetadata = false;
    return view;
  }

  /**
   * Answers exactly as {@link Record#match} does, faster and without copies: {@code ServiceDiscovery.getRecords}
   * tests every record of the registry with it, and {@code Record.match} would make each view copy its metadata
   * (through {@link #getMetadata()}) just to read one value. It reads the filter's entries once, and a view's
   * metadata without copying it.
   *
   * @param filter the filter: {@code name}, {@code registration}, {@code status}, {@code type}, or metadata keys
   * @return whether the record matches every entry of the filter
   */
  @Override
  public boolean match(JsonObject filter) {
    for (Map.Entry<String, Object> criterion : filter.getMap().entrySet()) {
      String key = criterion.getKey();
      Object raw = criterion.getValue();
      Object actual;
      boolean metadataKey = false;
      switch (key) {
        case "name" -> actual = getName();
        case "registration" -> actual = getRegistration();
        case "status" -> actual = getStatus() == null ? null : getStatus().name();
        case "type" -> actual = getType();
        default -> {
          JsonObject metadata = super.getMetadata();
          actual = metadata == null ? null : metadata.getValue(key);
          metadataKey = true;
        }
      }
      // Record.match reads named keys with getString and metadata keys with getValue: same results for a string.
      Object expected = raw instanceof String ? raw : metadataKey ? filter.getValue(key) : filter.getString(key);
      if (!matches(actual, expected)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(Object actual, Object expected) {
    return actual != null && ("*".equals(expected)
      || (actual instanceof String ? ((String) actual).equalsIgnoreCase(expected.toString()) : actual.equals(expected)));
  }

  @Override
  public JsonObject getLocation() {
    if (view && !ownLocation) {
      JsonObject shared = super.getLocation();
      setLocation(shared == null ? null : shared.copy());
    }
    return super.getLocation();
  }

  @Override
  public Record setLocation(JsonObject location) {
    ownLocation = true;
    return super.setLocation(location);
  }

  @Override
  public JsonObject getMetadata() {
    if (view && !ownMetadata) {
      JsonObject shared = super.getMetadata();
      setMetadata(shared == null ? null : shared.copy());
    }
    return super.getMetadata();
  }

  @Override
  public Record setMetadata(JsonObject metadata) {
    ownMetadata = true;
    return super.setMetadata(metadata);
  }
}
