package org.vertxetcd.discovery.impl;

import io.vertx.servicediscovery.Record;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's view of the registry: every valid record under the prefix, as of the last revision the watch applied,
 * plus this node's own writes that the watch has not delivered yet (so a caller reads its own writes at once).
 * <p>
 * Only the registry's context writes; lookups read from any thread without locks or context switches, and always
 * get copies.
 */
public final class RecordCache {

  /** A cached record with the etcd metadata of its key. */
  public static final class Entry {
    private final CachedRecord record;
    private final long modRevision;
    private final long lease;

    /**
     * @param record      the decoded record (never handed out: callers get copies)
     * @param modRevision the revision of the key's last change
     * @param lease       the lease the key is bound to, 0 for none
     */
    public Entry(CachedRecord record, long modRevision, long lease) {
      this.record = record;
      this.modRevision = modRevision;
      this.lease = lease;
    }

    /** @return the cached record; do not mutate it */
    public CachedRecord record() {
      return record;
    }

    /** @return the revision of the key's last change */
    public long modRevision() {
      return modRevision;
    }

    /** @return the lease the key is bound to, 0 for none */
    public long lease() {
      return lease;
    }
  }

  /** A write of this node, visible before the watch delivers it; {@code entry == null} for a removal. */
  private static final class LocalWrite {
    private final Entry entry;
    private final long revision;

    LocalWrite(Entry entry, long revision) {
      this.entry = entry;
      this.revision = revision;
    }
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LocalWrite> localWrites = new ConcurrentHashMap<>();
  private volatile long revision;
  private long newestLocalWrite;

  /** @return the last revision the watch applied */
  public long revision() {
    return revision;
  }

  /**
   * @param registration a registration id
   * @return the entry the watch applied, ignoring this node's undelivered writes; {@code null} when absent
   */
  public Entry applied(String registration) {
    return entries.get(registration);
  }

  /** @return every entry the watch applied, ignoring this node's undelivered writes (a live view) */
  public Collection<Entry> appliedEntries() {
    return entries.values();
  }

  /**
   * @param registration a registration id
   * @return the current entry including this node's undelivered writes; {@code null} when absent
   */
  public Entry current(String registration) {
    LocalWrite write = localWrites.get(registration);
    return write != null ? write.entry : entries.get(registration);
  }

  /**
   * @param registration a registration id
   * @return a copy of the record, or {@code null} when there is none
   */
  public Record get(String registration) {
    Entry entry = current(registration);
    return entry == null ? null : RecordCodec.view(entry.record);
  }

  /** @return copies of every record, including this node's undelivered writes */
  public List<Record> all() {
    List<Record> records = new ArrayList<>(entries.size() + localWrites.size());
    if (localWrites.isEmpty()) {
      for (Entry entry : entries.values()) {
        records.add(RecordCodec.view(entry.record));
      }
      return records;
    }
    Map<String, LocalWrite> writes = Map.copyOf(localWrites);
    entries.forEach((registration, entry) -> {
      if (!writes.containsKey(registration)) {
        records.add(RecordCodec.view(entry.record));
      }
    });
    writes.values().forEach(write -> {
      if (write.entry != null) {
        records.add(RecordCodec.view(write.entry.record));
      }
    });
    return records;
  }

  /** @return the revision of this node's latest write: once the watch reaches it, the view holds all of them */
  public long newestLocalWrite() {
    return newestLocalWrite;
  }

  /** @return the number of records the watch applied */
  public int size() {
    return entries.size();
  }

  /**
   * Applies a change delivered by etcd (watch or list).
   *
   * @param registration the registration id
   * @param entry        the new entry, {@code null} when the record left
   * @return the entry it replaces, {@code null} when there was none
   */
  public Entry apply(String registration, Entry entry) {
    return entry == null ? entries.remove(registration) : entries.put(registration, entry);
  }

  /**
   * Makes a write of this node visible before the watch delivers it.
   *
   * @param registration the registration id
   * @param entry        the written entry, {@code null} for a removal
   * @param revision     the revision etcd assigned to the write
   */
  public void recordLocalWrite(String registration, Entry entry, long revision) {
    newestLocalWrite = Math.max(newestLocalWrite, revision);
    if (revision > this.revision) {
      localWrites.merge(registration, new LocalWrite(entry, revision),
        (older, newer) -> newer.revision >= older.revision ? newer : older);
    }
  }

  /**
   * Marks every change up to {@code revision} as applied, and drops the local writes it covers.
   *
   * @param revision the revision the watch reached
   */
  public void advanceTo(long revision) {
    if (revision > this.revision) {
      this.revision = revision;
      if (!localWrites.isEmpty()) {
        localWrites.values().removeIf(write -> write.revision <= revision);
      }
    }
  }
}
