package org.vertxetcd.discovery.support;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What etcd itself says about a registry prefix, read with a plain jetcd client: the records at a revision, and the
 * change events a perfect subscriber would have published since a revision. The reference the fault tests compare
 * nodes with.
 * <p>
 * It reads keys and values on its own, from the layout the README documents, without the production
 * {@code KeyLayout} and {@code RecordCodec}: a bug of theirs must not agree with itself here.
 * <pre>
 *   {prefix}/{service name, percent-encoded}/{registration id}  -&gt;  record.toJson() as UTF-8 JSON
 * </pre>
 * A key stands for a record when it has exactly these two segments under the prefix, its name segment decodes
 * (percent-decoding of UTF-8 bytes) and its registration holds no control character; its value does when it is a
 * JSON object that Vert.x reads as a {@link Record}, whose {@code name} is the key's name and whose
 * {@code registration}, when present, is the key's.
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

    /**
     * @param events events a node published
     * @return their comparable forms, in the same order
     */
    public static List<Change> ofAll(List<RegistryEvent> events) {
      return events.stream().map(Change::of).toList();
    }
  }

  /** The largest read this oracle takes: the whole registry of a long chaos run, with room to spare. */
  private static final int MAX_READ_BYTES = 256 * 1024 * 1024;

  private final Client client;

  /**
   * @param endpoints the cluster's client URLs
   */
  public EtcdHistory(List<String> endpoints) {
    // A ten-minute chaos run leaves tens of thousands of records: whole-prefix reads exceed gRPC's default 4 MiB.
    client = Client.builder().endpoints(endpoints.toArray(String[]::new)).maxInboundMessageSize(MAX_READ_BYTES)
      .build();
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
    List<KeyValue> kvs = client.getKVClient().get(rangeStart(prefix), GetOption.builder()
      .withRange(rangeEnd(prefix)).withRevision(revision).build()).get(10, TimeUnit.SECONDS).getKvs();
    Map<String, JsonObject> records = new HashMap<>();
    for (KeyValue kv : kvs) {
      JsonObject record = record(prefix, kv);
      if (record != null) {
        records.put(record.getString("registration"), record);
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
      .withRange(rangeEnd(prefix)).withRevision(fromRevision + 1).build(), response -> {
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
      // The whole history streams back: a long chaos run holds hundreds of thousands of revisions.
      reached.get(20_000 + (toRevision - fromRevision), TimeUnit.MILLISECONDS);
    }
    synchronized (events) {
      for (WatchEvent event : events) {
        KeyValue kv = event.getKeyValue();
        if (kv.getModRevision() > toRevision) {
          break;
        }
        RecordKey parsed = RecordKey.parse(prefix, kv.getKey());
        if (parsed == null) {
          continue;
        }
        JsonObject record = event.getEventType() == WatchEvent.EventType.PUT ? record(prefix, kv) : null;
        boolean was = present.containsKey(parsed.registration());
        if (record != null) {
          present.put(parsed.registration(), record);
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
   * @param events events a node published, in their comparable form
   * @param after  keep those with a revision greater than this
   * @return those events
   */
  public static List<Change> changesAfter(List<Change> events, long after) {
    return events.stream().filter(event -> event.revision() > after).collect(Collectors.toList());
  }

  /**
   * @param prefix the registry prefix
   * @param lease  a lease id
   * @return the registrations of the keys bound to that lease
   */
  public List<String> registrationsOfLease(String prefix, long lease) throws Exception {
    return client.getKVClient().get(rangeStart(prefix), GetOption.builder().withRange(rangeEnd(prefix))
        .withKeysOnly(true).build())
      .get(10, TimeUnit.SECONDS).getKvs().stream()
      .filter(kv -> kv.getLease() == lease)
      .map(kv -> RecordKey.parse(prefix, kv.getKey()))
      .filter(Objects::nonNull)
      .map(RecordKey::registration)
      .collect(Collectors.toList());
  }

  /**
   * @param revision compacts etcd's history up to this revision
   */
  public void compact(long revision) throws Exception {
    client.getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
  }

  /** The first key of the registry's range: every record key starts with {@code {prefix}/}. */
  private static ByteSequence rangeStart(String prefix) {
    return bytes(prefix + "/");
  }

  /** The end (exclusive) of the registry's range: '0' is the character after '/'. */
  private static ByteSequence rangeEnd(String prefix) {
    return bytes(prefix + "0");
  }

  /**
   * @return the record a key-value stands for, as {@code Record.toJson()} gives it with the key's registration, or
   *     {@code null} when it stands for none
   */
  private static JsonObject record(String prefix, KeyValue kv) {
    RecordKey key = RecordKey.parse(prefix, kv.getKey());
    if (key == null) {
      return null;
    }
    JsonObject json;
    Record record;
    try {
      json = new JsonObject(Buffer.buffer(kv.getValue().getBytes()));
      record = new Record(json);
    } catch (RuntimeException e) {
      // Not JSON, not an object, or not a record's fields (a status that is not one): not a record.
      return null;
    }
    Object registration = json.getValue("registration");
    if (!key.name().equals(json.getValue("name")) || registration != null && !key.registration().equals(registration)) {
      return null;
    }
    return record.setRegistration(key.registration()).toJson();
  }

  /** A key of the registry's layout: the service name it encodes and the registration id. */
  private record RecordKey(String name, String registration) {

    /** An escaped byte, a run of plain characters, or a stray {@code %}. */
    private static final Pattern ESCAPE_OR_TEXT = Pattern.compile("%([0-9A-Fa-f]{2})|([^%]+)|%");

    /** @return the key's name and registration, or {@code null} when the key is not of the layout */
    static RecordKey parse(String prefix, ByteSequence key) {
      String text = strictUtf8(key.getBytes());
      String root = prefix + "/";
      if (text == null || !text.startsWith(root)) {
        return null;
      }
      String[] segments = text.substring(root.length()).split("/", -1);
      if (segments.length != 2 || segments[0].isEmpty() || segments[1].isEmpty()
        || segments[1].codePoints().anyMatch(Character::isISOControl)) {
        return null;
      }
      String name = percentDecoded(segments[0]);
      return name == null ? null : new RecordKey(name, segments[1]);
    }

    /**
     * RFC 3986 percent-decoding: each {@code %XX} is one byte of the name's UTF-8 form, a run of other characters
     * stands for itself, a {@code %} without two hex digits makes the segment invalid.
     */
    private static String percentDecoded(String segment) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      Matcher token = ESCAPE_OR_TEXT.matcher(segment);
      while (token.find()) {
        if (token.group(1) != null) {
          bytes.write(Integer.parseInt(token.group(1), 16));
        } else if (token.group(2) != null) {
          bytes.writeBytes(token.group(2).getBytes(StandardCharsets.UTF_8));
        } else {
          return null;
        }
      }
      return strictUtf8(bytes.toByteArray());
    }

    private static String strictUtf8(byte[] bytes) {
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        return null;
      }
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
