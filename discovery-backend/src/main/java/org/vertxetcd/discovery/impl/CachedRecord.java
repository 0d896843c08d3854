package org.vertxetcd.discovery.impl;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;

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
