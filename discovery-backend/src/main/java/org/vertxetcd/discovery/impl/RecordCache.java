package org.vertxetcd.discovery.impl;

import io.vertx.servicediscovery.Record;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * This node's view of the registry: every valid record under the prefix, as of the last revision the watch applied,
 * plus this node's own writes that the watch has not delivered yet (so a caller reads its own writes at once).
 * <p>
 * Only the registry's context writes; lookups read from any thread without locks or context switches, and always
 * get copies.
 */
public final class RecordCache {

  /**
   * A cached record with the etcd metadata of its key.
   *
   * @param record      the decoded record (never handed out: callers get copies; do not mutate it)
   * @param modRevision the revision of the key's last change
   * @param lease       the lease the key is bound to, 0 for none
   */
  public record Entry(CachedRecord record, long modRevision, long lease) {
  }

  /**
   * A write of this node, visible before the watch delivers it.
   *
   * @param entry    the written entry, {@code null} for a removal
   * @param revision the revision etcd gave the write
   */
  private record LocalWrite(Entry entry, long revision) {
  }

  /** No watch follows this cache: this node's writes are applied at once instead of overlaid. */
  private final boolean unwatched;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  /** The same entries by service name: a lookup by name costs the number of its records, not of all records. */
  private final ConcurrentHashMap<String, ServiceBucket> byName = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LocalWrite> localWrites = new ConcurrentHashMap<>();
  /**
   * The applied records as an array, taken at a change count: a lookup of every record reads an array of the records
   * themselves instead of walking the map's table and entries (one memory access per record instead of three), and
   * the array is taken again by the first such lookup after a change.
   */
  private volatile RecordArray recordArray;
  private volatile long revision;
  /**
   * Counts the changes lookups can see, twice each: once before the maps change (the count is odd while they do) and
   * once after. A reader that sees the same even count before and after its read saw one state of the view.
   */
  private final AtomicLong changes = new AtomicLong();
  private long newestLocalWrite;

  /** Creates the cache of a watched range. */
  public RecordCache() {
    this(false);
  }

  private RecordCache(boolean unwatched) {
    this.unwatched = unwatched;
  }

  /**
   * @return a cache no watch follows, holding this node's own records of services outside its scope: its writes are
   *     applied as soon as etcd confirmed them
   */
  public static RecordCache ofOwnWrites() {
    return new RecordCache(true);
  }

  /**
   * @return a count that grows with every change lookups can see, odd while one is being applied: equal even counts
   *     before and after a read mean the read saw one state
   */
  public long changeCount() {
    return changes.get();
  }

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
   * @param name a service name
   * @return the entries of that service the watch applied, ignoring this node's undelivered writes (a live view)
   */
  public Collection<Entry> appliedEntries(String name) {
    ServiceBucket bucket = byName.get(name);
    return bucket == null ? List.of() : bucket.entries.values();
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
    return entry == null ? null : entry.record.view();
  }

  /** @return copies of every record, including this node's undelivered writes */
  public List<Record> all() {
    if (!localWrites.isEmpty()) {
      return current(entries.values(), entry -> true, entry -> entry.record.view());
    }
    CachedRecord[] records = appliedRecords();
    List<Record> views = new ArrayList<>(records.length);
    for (CachedRecord record : records) {
      views.add(record.view());
    }
    return views;
  }

  /**
   * The applied records at one change count.
   *
   * @param changeCount the change count they were taken at
   * @param records     the records
   */
  private record RecordArray(long changeCount, CachedRecord[] records) {
  }

  private CachedRecord[] appliedRecords() {
    long count = changes.get();
    RecordArray taken = recordArray;
    if (taken != null && taken.changeCount == count) {
      return taken.records;
    }
    CachedRecord[] records = entries.values().stream().map(Entry::record).toArray(CachedRecord[]::new);
    // Kept only when no change was applied meanwhile, nor being applied when the count was read.
    if (count % 2 == 0 && changes.get() == count) {
      recordArray = new RecordArray(count, records);
    }
    return records;
  }

  /**
   * @param name   a service name (exact)
   * @param filter which of its records to return
   * @return copies of that service's records the filter accepts, including this node's undelivered writes
   */
  public List<Record> byName(String name, Predicate<CachedRecord> filter) {
    return current(appliedEntries(name), entry -> entry.record.getName().equals(name) && filter.test(entry.record),
      entry -> entry.record.view());
  }

  /**
   * @param name   a service name (exact)
   * @param filter which of its records to return
   * @return the current entries of that service's records the filter accepts (with their key's revision and lease),
   *     including this node's undelivered writes; the records are the cache's, not copies: do not mutate them
   */
  public List<Entry> entriesByName(String name, Predicate<CachedRecord> filter) {
    return current(appliedEntries(name), entry -> entry.record.getName().equals(name) && filter.test(entry.record),
      entry -> entry);
  }

  /** The accepted entries among {@code applied} and this node's undelivered writes (which override them), mapped. */
  private <T> List<T> current(Collection<Entry> applied, Predicate<Entry> accept, Function<Entry, T> out) {
    List<T> results = new ArrayList<>(applied.size() + localWrites.size());
    if (localWrites.isEmpty()) {
      for (Entry entry : applied) {
        if (accept.test(entry)) {
          results.add(out.apply(entry));
        }
      }
      return results;
    }
    Map<String, LocalWrite> writes = Map.copyOf(localWrites);
    for (Entry entry : applied) {
      if (!writes.containsKey(entry.record.getRegistration()) && accept.test(entry)) {
        results.add(out.apply(entry));
      }
    }
    writes.values().forEach(write -> {
      if (write.entry != null && accept.test(write.entry)) {
        results.add(out.apply(write.entry));
      }
    });
    return results;
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
    changes.incrementAndGet();
    try {
      return applyToMaps(registration, entry);
    } finally {
      changes.incrementAndGet();
    }
  }

  private Entry applyToMaps(String registration, Entry entry) {
    if (entry == null) {
      Entry removed = entries.remove(registration);
      if (removed != null) {
        byName.computeIfPresent(removed.record.getName(), (name, bucket) -> {
          bucket.entries.remove(registration);
          return bucket.entries.isEmpty() ? null : bucket;
        });
      }
      return removed;
    }
    // A registration keeps its name (the applier refuses a second key with it), so a replacement stays in its bucket.
    ServiceBucket bucket = byName.computeIfAbsent(entry.record.getName(), ServiceBucket::new);
    // The records of a service share one name String: less heap, and filters by name compare a string in cache.
    entry.record.setName(bucket.name);
    bucket.entries.put(registration, entry);
    return entries.put(registration, entry);
  }

  /** The records of one service, by registration id, and the name they all share. */
  private static final class ServiceBucket {
    private final String name;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    ServiceBucket(String name) {
      this.name = name;
    }
  }

  /**
   * Makes a write of this node visible before the watch delivers it.
   *
   * @param registration the registration id
   * @param entry        the written entry, {@code null} for a removal
   * @param revision     the revision etcd assigned to the write
   */
  public void recordLocalWrite(String registration, Entry entry, long revision) {
    if (unwatched) {
      apply(registration, entry);
      advanceTo(revision);
      return;
    }
    newestLocalWrite = Math.max(newestLocalWrite, revision);
    if (revision > this.revision) {
      changes.incrementAndGet();
      localWrites.merge(registration, new LocalWrite(entry, revision),
        (older, newer) -> newer.revision >= older.revision ? newer : older);
      changes.incrementAndGet();
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
