package org.vertxetcd.discovery.support;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.impl.KeyLayout;
import org.vertxetcd.discovery.impl.RecordCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What etcd itself says about a registry prefix, read with a plain jetcd client: the records at a revision, and the
 * change events a perfect subscriber would have published since a revision. The reference the fault tests compare
 * nodes with.
 */
public final class EtcdHistory implements AutoCloseable {

  /** One change as a subscriber sees it: what, which record, at which revision. */
  public record Change(RegistryEventType type, String registration, long revision) {
    /**
     * @param event an event a node published
     * @return its comparable form
     */
    public static Change of(RegistryEvent event) {
      return new Change(event.type(), event.registration(), event.revision());
    }
  }

  private final Client client;

  /**
   * @param endpoints the cluster's client URLs
   */
  public EtcdHistory(List<String> endpoints) {
    client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
  }

  /** @return the cluster's current revision */
  public long currentRevision() throws Exception {
    return client.getKVClient().get(bytes("/"), GetOption.builder().withCountOnly(true).build())
      .get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /**
   * @param prefix   the registry prefix
   * @param revision the revision to read at
   * @return the valid records under the prefix at that revision, by registration
   */
  public Map<String, JsonObject> recordsAt(String prefix, long revision) throws Exception {
    KeyLayout layout = new KeyLayout(prefix);
    List<KeyValue> kvs = client.getKVClient().get(layout.rangeStart(), GetOption.builder()
      .withRange(layout.rangeEnd()).withRevision(revision).build()).get(10, TimeUnit.SECONDS).getKvs();
    Map<String, JsonObject> records = new HashMap<>();
    for (KeyValue kv : kvs) {
      Record record = decode(layout, kv);
      if (record != null) {
        records.put(record.getRegistration(), record.toJson());
      }
    }
    return records;
  }

  /**
   * Replays etcd's history of the prefix the way the registry publishes it.
   *
   * @param prefix       the registry prefix
   * @param fromRevision the revision a subscriber's view started at
   * @param toRevision   the last revision to include
   * @return every change with a revision in ({@code fromRevision}, {@code toRevision}], in order
   */
  public List<Change> changesBetween(String prefix, long fromRevision, long toRevision) throws Exception {
    KeyLayout layout = new KeyLayout(prefix);
    Map<String, JsonObject> present = new HashMap<>(recordsAt(prefix, fromRevision));
    List<Change> changes = new ArrayList<>();
    if (toRevision <= fromRevision) {
      return changes;
    }
    // The prefix may have no event at toRevision. So the watch also covers the key named like the prefix itself
    // (outside the registry's range, invisible to nodes), and a mark written there after toRevision tells when
    // every earlier event has arrived.
    ByteSequence mark = ByteSequence.from(prefix, StandardCharsets.UTF_8);
    AtomicLong markRevision = new AtomicLong(Long.MAX_VALUE);
    AtomicLong markSeen = new AtomicLong();
    CompletableFuture<Void> reached = new CompletableFuture<>();
    List<WatchEvent> events = new ArrayList<>();
    Runnable checkMark = () -> {
      if (markSeen.get() >= markRevision.get()) {
        reached.complete(null);
      }
    };
    try (Watch.Watcher watcher = client.getWatchClient().watch(mark, WatchOption.builder()
      .withRange(layout.rangeEnd()).withRevision(fromRevision + 1).build(), response -> {
        synchronized (events) {
          events.addAll(response.getEvents());
        }
        // Only this response's events: scanning all of them at every response would cost the square of the history.
        response.getEvents().stream().filter(event -> event.getKeyValue().getKey().equals(mark))
          .forEach(event -> markSeen.accumulateAndGet(event.getKeyValue().getModRevision(), Math::max));
        checkMark.run();
      })) {
      markRevision.set(client.getKVClient().put(mark, ByteSequence.from("history mark", StandardCharsets.UTF_8))
        .get(10, TimeUnit.SECONDS).getHeader().getRevision());
      checkMark.run();
      reached.get(20, TimeUnit.SECONDS);
    }
    synchronized (events) {
      for (WatchEvent event : events) {
        KeyValue kv = event.getKeyValue();
        if (kv.getModRevision() > toRevision) {
          break;
        }
        KeyLayout.ParsedKey parsed = layout.parse(kv.getKey());
        if (parsed == null) {
          continue;
        }
        Record record = event.getEventType() == WatchEvent.EventType.PUT ? decode(layout, kv) : null;
        boolean was = present.containsKey(parsed.registration());
        if (record != null) {
          present.put(parsed.registration(), record.toJson());
          changes.add(new Change(was ? RegistryEventType.UPDATE : RegistryEventType.JOIN, parsed.registration(),
            kv.getModRevision()));
        } else if (was) {
          present.remove(parsed.registration());
          changes.add(new Change(RegistryEventType.LEAVE, parsed.registration(), kv.getModRevision()));
        }
      }
    }
    return changes;
  }

  /**
   * @param events events a node published
   * @param after  keep those with a revision greater than this
   * @return their comparable form
   */
  public static List<Change> changesOf(List<RegistryEvent> events, long after) {
    return events.stream().filter(event -> event.revision() > after).map(Change::of).collect(Collectors.toList());
  }

  /**
   * @param prefix the registry prefix
   * @param lease  a lease id
   * @return the registrations of the keys bound to that lease
   */
  public List<String> registrationsOfLease(String prefix, long lease) throws Exception {
    KeyLayout layout = new KeyLayout(prefix);
    return client.getKVClient().get(layout.rangeStart(), GetOption.builder().withRange(layout.rangeEnd()).build())
      .get(10, TimeUnit.SECONDS).getKvs().stream()
      .filter(kv -> kv.getLease() == lease)
      .map(kv -> layout.parse(kv.getKey()).registration())
      .collect(Collectors.toList());
  }

  /**
   * @param revision compacts etcd's history up to this revision
   */
  public void compact(long revision) throws Exception {
    client.getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
  }

  private static Record decode(KeyLayout layout, KeyValue kv) {
    KeyLayout.ParsedKey parsed = layout.parse(kv.getKey());
    if (parsed == null) {
      return null;
    }
    try {
      return RecordCodec.decode(parsed, kv.getValue().getBytes());
    } catch (RecordCodec.InvalidRecordException e) {
      return null;
    }
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }
}
