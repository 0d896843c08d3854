package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;

/**
 * A record handed to a caller: an object of its own, sharing the cache's immutable location and metadata until the
 * caller first reads them through a getter, which then gets a private mutable copy. A lookup over thousands of
 * records thus allocates one small object per record, and deep copies only for the records the caller looks into.
 * Setters change this object only.
 */
final class RecordView extends Record {

  private boolean ownLocation;
  private boolean ownMetadata;

  /**
   * @param cached a record of the cache, with frozen location and metadata
   */
  RecordView(Record cached) {
    super.setName(cached.getName());
    super.setStatus(cached.getStatus());
    super.setRegistration(cached.getRegistration());
    super.setType(cached.getType());
    super.setLocation(cached.getLocation());
    super.setMetadata(cached.getMetadata());
  }

  @Override
  public JsonObject getLocation() {
    if (!ownLocation) {
      JsonObject shared = super.getLocation();
      super.setLocation(shared == null ? null : shared.copy());
      ownLocation = true;
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
    if (!ownMetadata) {
      JsonObject shared = super.getMetadata();
      super.setMetadata(shared == null ? null : shared.copy());
      ownMetadata = true;
    }
    return super.getMetadata();
  }

  @Override
  public Record setMetadata(JsonObject metadata) {
    ownMetadata = true;
    return super.setMetadata(metadata);
  }
}
