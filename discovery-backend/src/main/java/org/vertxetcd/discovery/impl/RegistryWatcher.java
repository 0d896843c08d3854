package org.vertxetcd.discovery.impl;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Keeps a listener in step with every key under the prefix: a paged, revision-consistent list, then a watch from
 * the list's revision + 1.
 * <p>
 * jetcd resumes a broken watch by itself, but from the revision of the last response header, which skips the events
 * between a past start revision and that header when a member dies right after "created". So this class closes
 * jetcd's watcher on any error and creates a new one from the revision the listener last applied, with backoff.
 * A compacted revision cannot be watched from: it lists again and lets the listener diff.
 * <p>
 * Every listener call happens on the registry's context, in revision order.
 */
public final class RegistryWatcher {

  /** Receives what the watcher learns, on the registry's context. */
  public interface Listener {
    /**
     * A complete list of the prefix.
     *
     * @param keys     every key, in key order
     * @param revision the revision the list is consistent at
     */
    void onSnapshot(List<KeyChange> keys, long revision);

    /**
     * The changes of one watch response.
     *
     * @param changes  the changes, in revision order
     * @param revision the revision the watch reached
     */
    void onChanges(List<KeyChange> changes, long revision);

    /**
     * The view stopped following etcd.
     *
     * @param cause why
     */
    void onStale(Throwable cause);

    /** The view follows etcd again. */
    void onFresh();
  }

  private static final Logger LOG = LoggerFactory.getLogger(RegistryWatcher.class);
  /**
   * Keys the first page asks for; the next ones ask for as many as fill {@link #PAGE_BYTES} at the size of the keys
   * listed so far. etcd visits the whole rest of the range for every page (to count it), so a registry listed in
   * pages of a fixed number of keys costs etcd time that grows with the square of its size: a million records in
   * pages of 20,000 keys took etcd 3.4 about 0.9 s a page at the start. A page of large records that exceeds the
   * client's inbound limit is asked again with fewer keys.
   */
  private static final int PAGE_SIZE = 20_000;
  /** What a page after the first aims at: half the client's inbound limit, room for records larger than average. */
  static final long PAGE_BYTES = EtcdConnection.MAX_INBOUND_MESSAGE_BYTES / 2;
  /** The most keys a page asks for, however small they are: one range request's work at etcd stays bounded. */
  static final int MAX_PAGE_KEYS = 250_000;
  /** How long a watch may stay quiet before a progress notification is asked for. */
  private static final long PROGRESS_INTERVAL_MS = 5_000;
  /** How often the watch is checked for being quiet. */
  private static final long PROGRESS_CHECK_MS = 1_000;
  /** Watch responses with more changes than this are decoded on a worker, not on the registry's event loop. */
  private static final int DECODED_IN_PLACE = 32;
  /** Changes applied at most in one task of the registry's event loop: lookups answered there wait no longer. */
  private static final int SLICE = 1_000;
  /**
   * Slices of responses that may wait to be decoded and applied. Beyond, the view is far behind: the watch is created again
   * from the applied revision, and etcd sends what was missed in batches of up to 1,000 revisions.
   */
  private static final int WAITING_RESPONSES = 1_000;

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final KeyFormat format;
  private final LongSupplier appliedRevision;
  private final Listener listener;
  private final Retrier.Schedule retries;

  private Watch.Watcher watcher;
  private long generation;
  private long progressTimer = -1;
  /** When etcd last confirmed the view current: a list, the watch's creation, an event or a progress notification. */
  private volatile long confirmedNanos = System.nanoTime();
  /** Decoded slices of responses, applied in the order they arrived: in revision order. */
  private final ArrivalOrder<Slice> decoded;
  private boolean closed;

  /**
   * @param context         the registry's context
   * @param connection      the etcd connection
   * @param format          how the watched keys stand for records
   * @param appliedRevision the last revision the listener applied: the watch resumes after it
   * @param listener        receives lists, changes and freshness
   * @param failures        where a list or watch etcd refuses is reported
   */
  public RegistryWatcher(ContextInternal context, EtcdConnection connection, KeyFormat format,
                         LongSupplier appliedRevision, Listener listener, PermanentFailures failures) {
    this.context = context;
    this.connection = connection;
    this.format = format;
    this.appliedRevision = appliedRevision;
    this.listener = listener;
    this.retries = new Retrier(context, Backoff.BACKGROUND, "the watch of " + format.root(), failures).schedule();
    this.decoded = new ArrivalOrder<>(WAITING_RESPONSES, task -> context.runOnContext(v -> task.run()), this::apply,
      error -> onBroken(generation, error));
  }

  /** Lists the prefix, then watches it; on the registry's context. */
  public void start() {
    progressTimer = context.setPeriodic(PROGRESS_CHECK_MS, id -> requestProgressWhenQuiet());
    relist();
  }

  /** Stops watching; on the registry's context. */
  public void close() {
    closed = true;
    context.owner().cancelTimer(progressTimer);
    stopWatcher();
  }

  /**
   * @return the nanoTime at which etcd last confirmed the view current: the view may miss the changes made since
   *     (while the watch is quiet, a progress notification is asked for every few seconds)
   */
  public long confirmedNanos() {
    return confirmedNanos;
  }

  /**
   * A quiet watch says nothing: a progress notification asked for now tells that it is current. Its revision is not
   * applied, since etcd before 3.4.25 and 3.5.8 may answer one before the watch has sent every event (etcd #15220).
   */
  private void requestProgressWhenQuiet() {
    if (watcher != null && System.nanoTime() - confirmedNanos >= PROGRESS_INTERVAL_MS * 1_000_000) {
      try {
        watcher.requestProgress();
      } catch (RuntimeException e) {
        LOG.debug("Could not ask etcd for the progress of the watch of {}", format.root(), e);
      }
    }
  }

  private void relist() {
    if (closed) {
      return;
    }
    listAll().onComplete((snapshot, error) -> {
      if (closed) {
        return;
      }
      if (error != null) {
        listener.onStale(error);
        retry(error, this::relist);
        return;
      }
      confirmedNanos = System.nanoTime();
      listener.onSnapshot(snapshot.keys, snapshot.revision);
      watchFrom(snapshot.revision + 1);
    });
  }

  private void watchFrom(long revision) {
    if (closed) {
      return;
    }
    long current = ++generation;
    WatchOption option = WatchOption.builder()
      .withRange(format.rangeEnd())
      .withRevision(revision)
      .withCreateNotify(true)
      .withProgressNotify(true)
      .withRequireLeader(true)
      .build();
    try {
      watcher = connection.watch().watch(format.rangeStart(), option, Watch.listener(
        response -> onResponse(current, response),
        error -> context.runOnContext(v -> onBroken(current, error)),
        () -> context.runOnContext(v -> onBroken(current, new IllegalStateException("the watch was closed by etcd")))));
    } catch (RuntimeException e) {
      onBroken(current, e);
    }
  }

  /**
   * Runs on jetcd's thread, which also answers this client's keep-alives: nothing is decoded there. Small responses
   * are decoded on the registry's context; large ones (a burst of changes) on workers, several at a time.
   */
  private void onResponse(long watchGeneration, WatchResponse response) {
    context.runOnContext(v -> received(watchGeneration, response));
  }

  private void received(long watchGeneration, WatchResponse response) {
    if (watchGeneration != generation || closed) {
      return;
    }
    confirmedNanos = System.nanoTime();
    if (response.isCreatedNotify()) {
      retries.succeeded();
      listener.onFresh();
      return;
    }
    List<WatchEvent> events = response.getEvents();
    if (events.isEmpty()) {
      // A progress notification: it confirms the view, its revision is not applied (see requestProgressWhenQuiet).
      return;
    }
    for (int from = 0; from < events.size(); from += SLICE) {
      int to = Math.min(events.size(), from + SLICE);
      long last = revisionOf(events.get(to - 1));
      boolean revisionGoesOn = to < events.size() && revisionOf(events.get(to)) == last;
      if (!decoded.submit(slice(events.subList(from, to), revisionGoesOn ? last - 1 : last))) {
        fellBehind();
        return;
      }
    }
  }

  private static long revisionOf(WatchEvent event) {
    return event.getKeyValue().getModRevision();
  }

  /**
   * Decodes part of a response, so that a burst of changes holds the registry's event loop a slice at a time.
   *
   * @param events  the slice's events
   * @param reached the revision the view reaches with them: their last, or the one before when the next slice holds
   *                more changes of that revision (a revoked lease deletes all its keys at one revision)
   */
  private Future<Slice> slice(List<WatchEvent> events, long reached) {
    return events.size() <= DECODED_IN_PLACE
      ? context.succeededFuture(new Slice(decodeEvents(events), reached))
      : context.executeBlocking(() -> new Slice(decodeEvents(events), reached), false);
  }

  private void fellBehind() {
    long from = appliedRevision.getAsLong() + 1;
    LOG.info("The view of {} is {} slices of watch responses behind: watching again from revision {}, in larger batches",
      format.root(), WAITING_RESPONSES, from);
    stopWatcher();
    watchFrom(from);
  }

  private List<KeyChange> decodeEvents(List<WatchEvent> events) {
    List<KeyChange> changes = new ArrayList<>(events.size());
    for (WatchEvent event : events) {
      KeyChange.Kind kind = event.getEventType() == WatchEvent.EventType.DELETE ? KeyChange.Kind.DELETE
        : KeyChange.Kind.PUT;
      changes.add(KeyChange.decode(format, kind, event.getKeyValue()));
    }
    return changes;
  }

  /** Applies one slice: {@link #decoded} hands them over in arrival order, for the current watch only. */
  private void apply(Slice slice) {
    if (closed) {
      return;
    }
    listener.onChanges(slice.changes, slice.revision);
  }

  private void onBroken(long watchGeneration, Throwable error) {
    if (watchGeneration != generation || closed) {
      return;
    }
    stopWatcher();
    listener.onStale(error);
    if (EtcdErrors.isCompacted(error)) {
      LOG.warn("The watch on {} fell behind etcd's compaction: listing again and reporting the difference",
        format.rangeStart().toString());
      relist();
    } else {
      retry(error, this::checkThenWatch);
    }
  }

  /**
   * A cheap read before the watch is created again: a client whose JWT auth token went stale (auth data changed)
   * has its watch creations refused forever ("failed to create watch id"), and only a refused read makes jetcd drop
   * the token; the read also waits for etcd to answer before a watch is asked of it.
   */
  private void checkThenWatch() {
    if (closed) {
      return;
    }
    GetOption probe = GetOption.builder().withRange(format.rangeEnd()).withLimit(1).withKeysOnly(true)
      .withSerializable(true).build();
    connection.call("read " + format.root(), () -> connection.kv().get(format.rangeStart(), probe))
      .onComplete((read, error) -> {
        if (error != null) {
          listener.onStale(error);
          retry(error, this::checkThenWatch);
        } else {
          watchFrom(appliedRevision.getAsLong() + 1);
        }
      });
  }

  private void retry(Throwable error, Runnable attempt) {
    retries.failed(error, attempt);
  }

  private void stopWatcher() {
    generation++;
    decoded.clear();
    if (watcher != null) {
      Watch.Watcher stopping = watcher;
      watcher = null;
      try {
        stopping.close();
      } catch (RuntimeException e) {
        LOG.debug("Closing a broken watcher failed", e);
      }
    }
  }

  private Future<Snapshot> listAll() {
    Promise<Snapshot> listed = context.promise();
    listPage(format.rangeStart(), 0, new ArrayList<>(), PAGE_SIZE, listed);
    return listed.future();
  }

  /**
   * @param keys  how many keys the last page held
   * @param bytes their size, keys and values
   * @return how many keys the next page asks for: as many as fill {@link #PAGE_BYTES} at that size, at least one and
   *     at most {@link #MAX_PAGE_KEYS}
   */
  static int nextPageSize(int keys, long bytes) {
    long fitting = bytes == 0 ? MAX_PAGE_KEYS : PAGE_BYTES * keys / bytes;
    return (int) Math.max(1, Math.min(MAX_PAGE_KEYS, fitting));
  }

  /**
   * Fetches one page and, as soon as it arrives, the next one, while worker threads decode the pages already there
   * (JSON parsing costs as much as fetching). Each page starts the next from its completion: no future chain grows
   * with the number of pages.
   */
  private void listPage(ByteSequence from, long revision, List<Future<List<KeyChange>>> decoded, int pageSize,
                        Promise<Snapshot> listed) {
    GetOption option = GetOption.builder()
      .withRange(format.rangeEnd())
      .withLimit(pageSize)
      .withRevision(revision)
      .build();
    connection.call("list the registry", () -> connection.kv().get(from, option))
      .onComplete((page, error) -> {
        if (error == null) {
          List<KeyValue> kvs = page.getKvs();
          long listRevision = revision == 0 ? page.getHeader().getRevision() : revision;
          decoded.add(context.executeBlocking(() -> decode(kvs), false));
          if (page.isMore() && !kvs.isEmpty()) {
            listPage(after(kvs.get(kvs.size() - 1).getKey()), listRevision, decoded,
              nextPageSize(kvs.size(), sizeOf(kvs)), listed);
          } else {
            Future.all(decoded).onComplete((all, failure) -> {
              if (failure != null) {
                listed.fail(failure);
                return;
              }
              List<KeyChange> keys = new ArrayList<>();
              decoded.forEach(pageKeys -> keys.addAll(pageKeys.result()));
              listed.complete(new Snapshot(keys, listRevision));
            });
          }
        } else if (EtcdErrors.code(error) == Status.Code.RESOURCE_EXHAUSTED && pageSize > 1) {
          // A page of large records exceeded gRPC's inbound message limit: ask for fewer at a time.
          listPage(from, revision, decoded, pageSize / 2, listed);
        } else {
          listed.fail(error);
        }
      });
  }

  private static long sizeOf(List<KeyValue> kvs) {
    long bytes = 0;
    for (KeyValue kv : kvs) {
      bytes += kv.getKey().size() + kv.getValue().size();
    }
    return bytes;
  }

  private List<KeyChange> decode(List<KeyValue> kvs) {
    List<KeyChange> keys = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) {
      keys.add(KeyChange.decode(format, KeyChange.Kind.PUT, kv));
    }
    return keys;
  }

  private static ByteSequence after(ByteSequence key) {
    byte[] bytes = key.getBytes();
    return ByteSequence.from(Arrays.copyOf(bytes, bytes.length + 1));
  }

  /** Decoded changes of a watch response, and the revision the view reaches once they are applied. */
  private record Slice(List<KeyChange> changes, long revision) {
  }

  private static final class Snapshot {
    final List<KeyChange> keys;
    final long revision;

    Snapshot(List<KeyChange> keys, long revision) {
      this.keys = keys;
      this.revision = revision;
    }
  }
}
