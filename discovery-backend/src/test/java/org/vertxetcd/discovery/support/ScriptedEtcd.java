package org.vertxetcd.discovery.support;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An etcd member whose answers a test writes, for protocol corner cases a real cluster shows only by luck: a gRPC
 * server on loopback serving the two calls a registry needs to follow a prefix, KV Range and Watch, the way jetcd's
 * own {@code WatchUnitTest} scripts its server.
 * <p>
 * Range answers the {@linkplain Builder#listed listed} keys, at the {@linkplain Builder#listedAt list revision}.
 * Every watch create is answered "created" with the {@linkplain Builder#currentRevision current revision} in its
 * header, then, for the first {@linkplain Builder#dropAfterCreated few}, the stream is dropped with
 * {@code UNAVAILABLE} (a member dying right after "created"), and otherwise every {@linkplain Builder#later later}
 * put at or after the create's start revision is delivered. The start revision of every create is recorded.
 */
public final class ScriptedEtcd implements AutoCloseable {

  /** What a scripted member holds and does. */
  public static final class Builder {
    private final List<KeyValue> listed = new ArrayList<>();
    private final List<KeyValue> later = new ArrayList<>();
    private long listedAt = 1;
    private long currentRevision = 1;
    private int dropAfterCreated;

    private Builder() {
    }

    /**
     * @param revision the revision Range answers at; the listed keys have revisions up to it
     * @return this builder
     */
    public Builder listedAt(long revision) {
      listedAt = revision;
      currentRevision = Math.max(currentRevision, revision);
      return this;
    }

    /**
     * @param key   a key Range answers
     * @param value its value
     * @return this builder
     */
    public Builder listed(String key, String value) {
      listed.add(keyValue(key, value, listed.size() + 1));
      return this;
    }

    /**
     * @param key   a key put after the list, at the revision after the last later one (the first at the list
     *              revision + 1)
     * @param value its value
     * @return this builder
     */
    public Builder later(String key, String value) {
      later.add(keyValue(key, value, listedAt + later.size() + 1));
      currentRevision = Math.max(currentRevision, listedAt + later.size());
      return this;
    }

    /**
     * @param revision the revision in the header of every watch response (writes elsewhere may have taken it past
     *                 the later keys)
     * @return this builder
     */
    public Builder currentRevision(long revision) {
      currentRevision = revision;
      return this;
    }

    /**
     * @param creates how many watch creates, the first ones, are dropped right after "created"
     * @return this builder
     */
    public Builder dropAfterCreated(int creates) {
      dropAfterCreated = creates;
      return this;
    }

    /**
     * @return the member, serving on a free loopback port
     * @throws IOException when it cannot listen
     */
    public ScriptedEtcd start() throws IOException {
      return new ScriptedEtcd(this);
    }
  }

  private final Builder script;
  private final Server server;
  private final AtomicInteger creates = new AtomicInteger();
  /** Guarded by itself. */
  private final List<Long> startRevisions = new ArrayList<>();
  /** Streams that failed other than by the client's cancel: reported when the member is closed. */
  private final List<Throwable> streamFailures = new CopyOnWriteArrayList<>();
  private volatile long droppedAtNanos;

  private ScriptedEtcd(Builder script) throws IOException {
    this.script = script;
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
      .addService(new KVGrpc.KVImplBase() {
        @Override
        public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
          response.onNext(answer(request));
          response.onCompleted();
        }
      })
      .addService(new WatchGrpc.WatchImplBase() {
        @Override
        public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
          return new WatchStream(responses);
        }
      })
      .build()
      .start();
  }

  /** @return a script to fill in */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the client URL of this member */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** @return the start revision of every watch create so far, in order */
  public List<Long> watchStartRevisions() {
    synchronized (startRevisions) {
      return List.copyOf(startRevisions);
    }
  }

  /** @return when the first stream was dropped after "created" ({@link System#nanoTime()}), 0 before that */
  public long droppedAtNanos() {
    return droppedAtNanos;
  }

  private RangeResponse answer(RangeRequest request) {
    List<KeyValue> found = script.listed.stream()
      .filter(kv -> inRange(kv.getKey(), request.getKey(), request.getRangeEnd())).toList();
    long limit = request.getLimit() > 0 ? request.getLimit() : Long.MAX_VALUE;
    return RangeResponse.newBuilder().setHeader(header(script.listedAt))
      .addAllKvs(found.subList(0, (int) Math.min(limit, found.size())))
      .setMore(found.size() > limit).setCount(found.size()).build();
  }

  /** One client's watch stream; jetcd opens one per watcher. */
  private final class WatchStream implements StreamObserver<WatchRequest> {
    private final StreamObserver<WatchResponse> responses;

    WatchStream(StreamObserver<WatchResponse> responses) {
      this.responses = responses;
    }

    @Override
    public void onNext(WatchRequest request) {
      if (!request.hasCreateRequest()) {
        return;
      }
      long start = request.getCreateRequest().getStartRevision();
      synchronized (startRevisions) {
        startRevisions.add(start);
      }
      int create = creates.incrementAndGet();
      responses.onNext(WatchResponse.newBuilder().setHeader(header(script.currentRevision)).setWatchId(create)
        .setCreated(true).build());
      if (create <= script.dropAfterCreated) {
        if (droppedAtNanos == 0) {
          droppedAtNanos = System.nanoTime();
        }
        responses.onError(Status.UNAVAILABLE.withDescription("scripted: the member died right after 'created'")
          .asRuntimeException());
        return;
      }
      List<Event> events = script.later.stream().filter(kv -> kv.getModRevision() >= start)
        .map(kv -> Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build()).toList();
      if (!events.isEmpty()) {
        responses.onNext(WatchResponse.newBuilder().setHeader(header(script.currentRevision)).setWatchId(create)
          .addAllEvents(events).build());
      }
    }

    /** jetcd closes a watcher by cancelling its stream, which is no fault; anything else is reported at close. */
    @Override
    public void onError(Throwable error) {
      if (Status.fromThrowable(error).getCode() != Status.Code.CANCELLED) {
        streamFailures.add(error);
      }
    }

    @Override
    public void onCompleted() {
      responses.onCompleted();
    }
  }

  private static boolean inRange(ByteString key, ByteString start, ByteString end) {
    return ByteString.unsignedLexicographicalComparator().compare(key, start) >= 0
      && (end.isEmpty() || ByteString.unsignedLexicographicalComparator().compare(key, end) < 0);
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setClusterId(1).setMemberId(1).setRevision(revision).setRaftTerm(1).build();
  }

  private static KeyValue keyValue(String key, String value, long revision) {
    return KeyValue.newBuilder().setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8))
      .setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))
      .setCreateRevision(revision).setModRevision(revision).setVersion(1).build();
  }

  /**
   * Stops serving; open streams are cut.
   *
   * @throws IllegalStateException when a watch stream failed other than by the client's cancel, or the server does
   *                               not stop
   * @throws InterruptedException  when interrupted while the server stops
   */
  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("The scripted etcd member did not stop within 10 s");
    }
    if (!streamFailures.isEmpty()) {
      IllegalStateException failed = new IllegalStateException("A watch stream of the scripted member failed",
        streamFailures.get(0));
      streamFailures.stream().skip(1).forEach(failed::addSuppressed);
      throw failed;
    }
  }
}
