package org.vertxetcd.demo;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.RegistryHealth;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Pushes the console to browsers as server-sent events: a new browser gets {@code snapshot} (everything the console
 * shows, from the supplier given), then every event {@link #publish published}: {@code change} (a registry event),
 * {@code history} (an entry of the history), {@code state} (the registry's state changed), {@code tick} (the latest
 * samples), {@code leases} and {@code cluster}. Used on the gateway's context only.
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

  private final Supplier<JsonObject> snapshot;
  private final Set<Browser> browsers = new HashSet<>();
  private long dropped;

  /**
   * @param snapshot what a new browser gets first: everything the console shows now
   */
  public RegistryFeed(Supplier<JsonObject> snapshot) {
    this.snapshot = snapshot;
  }

  /**
   * @param health a state of the registry
   * @return its JSON form with the {@code reason} it is not healthy, in plain words ({@code null} when healthy)
   */
  public static JsonObject describe(RegistryHealth health) {
    return health.toJson().put("reason", health.reason());
  }

  /**
   * @param type the event type, e.g. {@code change}
   * @param data what it carries
   */
  public void publish(String type, JsonObject data) {
    broadcast(frame(type, data));
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
    Buffer first = Buffer.buffer("retry: " + RECONNECT_MS + "\n").appendBuffer(frame("snapshot", snapshot.get()));
    // A large registry makes a large snapshot: the backlog a browser is allowed counts from there.
    Browser browser = new Browser(response, first.length() + BACKLOG_BYTES);
    browsers.add(browser);
    response.closeHandler(v -> browsers.remove(browser));
    browser.write(first);
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
