package org.vertxetcd.discovery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;

import java.util.List;

/**
 * Every record of the registry as of one etcd revision. Every change after it has a greater revision, so a snapshot
 * followed by the events whose {@link RegistryEvent#revision()} exceeds {@link #revision()} is the whole history
 * without gap or overlap.
 */
public final class RegistrySnapshot {

  private final List<Record> records;
  private final long revision;

  /**
   * @param records  the records (copies, owned by the snapshot)
   * @param revision the etcd revision they are at
   */
  public RegistrySnapshot(List<Record> records, long revision) {
    this.records = List.copyOf(records);
    this.revision = revision;
  }

  /** @return the records; each is the caller's own copy */
  public List<Record> records() {
    return records;
  }

  /** @return the etcd revision the records are at */
  public long revision() {
    return revision;
  }

  /** @return {@code {"revision":42,"records":[...]}} */
  public JsonObject toJson() {
    JsonArray array = new JsonArray();
    records.forEach(record -> array.add(record.toJson()));
    return new JsonObject().put("revision", revision).put("records", array);
  }
}
