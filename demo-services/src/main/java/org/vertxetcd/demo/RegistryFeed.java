package org.vertxetcd.demo;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryEventType;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistrySnapshot;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the dashboard shows, pushed to browsers as server-sent events: every instance with the time it joined, and
 * a feed of the latest changes. A new browser gets {@code snapshot} (instances, recent changes, registry health),
 * then {@code change} for each registry event and {@code state} for each change of the registry's state. Used on
 * the gateway's context only.
 * <p>
 * A browser that stops reading (a laptop put to sleep, a stalled proxy) is dropped once it is more than
 * {@link #BACKLOG_BYTES} behind: nothing more is written to it and its connection is closed, rather than its events
 * buffered without bound. A page reconnects by itself ({@code EventSource}, told to retry after
 * {@link #RECONNECT_MS} ms) and starts again from a fresh snapshot, so it misses nothing.
 * <p>
 * How far behind a browser is, is counted here, in bytes written that the kernel has not taken yet (a write
 * completes when it has): {@code writeQueueFull()} would not bound it in bytes, since Vert.x queues a number of
 * messages, of any size, beyond the byte limit of {@code setWriteQueueMaxSize}.
 */
public final class RegistryFeed {

  /** How many bytes a browser may fall behind beyond its snapshot before it is dropped: {@value}. */
  public static final int BACKLOG_BYTES = 1 << 20;

  /** How long a dropped page waits before it reconnects, in milliseconds: {@value}. */
  public static final int RECONNECT_MS = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(RegistryFeed.class);
  private static final int RECENT_CHANGES = 50;

  private final Supplier<RegistryHealth> health;
  private final Map<String, JsonObject> instances = new LinkedHashMap<>();
  private final Deque<JsonObject> recent = new ArrayDeque<>();
  private final Set<Browser> browsers = new HashSet<>();
  private long dropped;

  /**
   * @param health the registry's current state, shown with every snapshot and state change
   */
  public RegistryFeed(Supplier<RegistryHealth> health) {
    this.health = health;
  }

  /**
   * @param health a state of the registry
   * @return its JSON form with the {@code reason} it is not healthy, in plain words ({@code null} when healthy)
   */
  public static JsonObject describe(RegistryHealth health) {
    return health.toJson().put("reason", health.reason());
  }

  /**
   * @param snapshot the registry at the start of the subscription
   */
  public void reset(RegistrySnapshot snapshot) {
    instances.clear();
    String now = Instant.now().toString();
    snapshot.records().forEach(record -> instances.put(record.getRegistration(), entry(record,
      record.getMetadata() == null ? now : record.getMetadata().getString("registeredAt", now))));
  }

  /**
   * @param event a change of the registry
   */
  public void onEvent(RegistryEvent event) {
    String now = Instant.now().toString();
    if (event.type() == RegistryEventType.LEAVE) {
      instances.remove(event.registration());
    } else {
      JsonObject previous = instances.get(event.registration());
      instances.put(event.registration(), entry(event.record(), previous == null ? now : previous.getString("since")));
    }
    JsonObject change = event.toJson().put("time", now);
    recent.addFirst(change);
    while (recent.size() > RECENT_CHANGES) {
      recent.removeLast();
    }
    broadcast(frame("change", change));
  }

  /**
   * @param state a state change of the registry, as published on its {@code stateAddress}; the registry's current
   *              health, with its reason, replaces the one it carries
   */
  public void onState(JsonObject state) {
    broadcast(frame("state", state.copy().put("health", describe(health.get()))
      .put("time", Instant.now().toString())));
  }

  /**
   * Starts pushing to a browser.
   *
   * @param response the response of its {@code GET /api/events}
   */
  public void attach(HttpServerResponse response) {
    response.setChunked(true)
      .putHeader("content-type", "text/event-stream")
      .putHeader("cache-control", "no-cache");
    Buffer snapshot = Buffer.buffer("retry: " + RECONNECT_MS + "\n").appendBuffer(frame("snapshot", view()));
    // A large registry makes a large snapshot: the backlog a browser is allowed counts from there.
    Browser browser = new Browser(response, snapshot.length() + BACKLOG_BYTES);
    browsers.add(browser);
    response.closeHandler(v -> browsers.remove(browser));
    browser.write(snapshot);
  }

  /** @return the instances, recent changes and health, as the snapshot a new browser gets */
  public JsonObject view() {
    return new JsonObject()
      .put("instances", new JsonArray(new ArrayList<>(instances.values())))
      .put("changes", new JsonArray(new ArrayList<>(recent)))
      .put("health", describe(health.get()));
  }

  /**
   * @return {@code {"connected":1,"dropped":0}}: the browsers pushed to now, and those dropped so far because they
   *     stopped reading
   */
  public JsonObject browsers() {
    return new JsonObject().put("connected", browsers.size()).put("dropped", dropped);
  }

  /** Sends a comment line to every browser, so that dead connections are noticed and proxies keep them open. */
  public void keepAlive() {
    broadcast(Buffer.buffer(": keep-alive\n\n"));
  }

  private void broadcast(Buffer frame) {
    // A copy: dropping a browser removes it from the set.
    List.copyOf(browsers).forEach(browser -> push(browser, frame));
  }

  private void push(Browser browser, Buffer frame) {
    if (browser.behind > browser.allowedBehind) {
      drop(browser);
    } else {
      browser.write(frame);
    }
  }

  private void drop(Browser browser) {
    browsers.remove(browser);
    dropped++;
    LOG.info("Dropped a dashboard connection that stopped reading ({} bytes sent, {} not taken by the kernel); a "
      + "browser reconnects by itself", browser.response.bytesWritten(), browser.behind);
    // Closes an HTTP/1.1 connection (once what was written is flushed: Vert.x flushes before it closes), resets an
    // HTTP/2 stream. Nothing more is written to it.
    browser.response.reset().onFailure(error -> LOG.warn("Could not drop a dashboard connection", error));
  }

  private static Buffer frame(String type, JsonObject data) {
    return Buffer.buffer("event: " + type + "\ndata: " + data.encode() + "\n\n");
  }

  private static JsonObject entry(Record record, String since) {
    return new JsonObject().put("record", record.toJson()).put("since", since);
  }

  /** A browser's response, with how many bytes written to it the kernel has not taken yet. */
  private static final class Browser {
    private final HttpServerResponse response;
    private final long allowedBehind;
    private long behind;

    private Browser(HttpServerResponse response, long allowedBehind) {
      this.response = response;
      this.allowedBehind = allowedBehind;
    }

    private void write(Buffer frame) {
      behind += frame.length();
      // Completes, on the gateway's context, once the kernel took the frame, or failed once the connection is gone.
      response.write(frame).onComplete(done -> behind -= frame.length());
    }
  }
}
