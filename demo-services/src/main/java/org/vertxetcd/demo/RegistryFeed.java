package org.vertxetcd.demo;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
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
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the dashboard shows, pushed to browsers as server-sent events: every instance with the time it joined, and
 * a feed of the latest changes. A new browser gets {@code snapshot} (instances, recent changes, registry health),
 * then {@code change} for each registry event and {@code state} for each change of the registry's state. Used on
 * the gateway's context only.
 */
public final class RegistryFeed {

  private static final int RECENT_CHANGES = 50;

  private final Supplier<RegistryHealth> health;
  private final Map<String, JsonObject> instances = new LinkedHashMap<>();
  private final Deque<JsonObject> recent = new ArrayDeque<>();
  private final Set<HttpServerResponse> browsers = new HashSet<>();

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
    broadcast("change", change);
  }

  /**
   * @param state a state change of the registry, as published on its {@code stateAddress}; the registry's current
   *              health, with its reason, replaces the one it carries
   */
  public void onState(JsonObject state) {
    broadcast("state", state.copy().put("health", describe(health.get())).put("time", Instant.now().toString()));
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
    browsers.add(response);
    response.closeHandler(v -> browsers.remove(response));
    send(response, "snapshot", view());
  }

  /** @return the instances, recent changes and health, as the snapshot a new browser gets */
  public JsonObject view() {
    return new JsonObject()
      .put("instances", new JsonArray(new ArrayList<>(instances.values())))
      .put("changes", new JsonArray(new ArrayList<>(recent)))
      .put("health", describe(health.get()));
  }

  /** Sends a comment line to every browser, so that dead connections are noticed and proxies keep them open. */
  public void keepAlive() {
    browsers.forEach(response -> response.write(": keep-alive\n\n"));
  }

  private void broadcast(String type, JsonObject data) {
    browsers.forEach(response -> send(response, type, data));
  }

  private static void send(HttpServerResponse response, String type, JsonObject data) {
    response.write("event: " + type + "\ndata: " + data.encode() + "\n\n");
  }

  private static JsonObject entry(Record record, String since) {
    return new JsonObject().put("record", record.toJson()).put("since", since);
  }
}
