package org.vertxetcd.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;

/**
 * What happened lately, for the console: registry changes, state changes of the registry, ejections and returns of
 * instances, operators' actions. Bounded: the oldest entry goes when the {@value #LIMIT}th is added, so a page
 * opened now shows what happened before, at a fixed cost. Used on the gateway's context only.
 * <p>
 * An entry: {@code id} (ascending), {@code time}, {@code kind} (one of {@link Kind}), {@code name} (the service,
 * when there is one), {@code registration}, {@code text} (what happened, in plain words) and, for an operator's
 * action, {@code actor} (the admin token's name).
 */
final class ChangeHistory {

  /** How many entries are kept: {@value}. */
  static final int LIMIT = 500;

  /** What an entry is about. */
  enum Kind {
    /** An instance registered. */
    JOIN,
    /** An instance's record changed (its status, its metadata). */
    UPDATE,
    /** An instance left: deregistered, or its node's lease expired. */
    LEAVE,
    /** The gateway's registry changed state (view stale or fresh, lease lost or restored). */
    STATE,
    /** The gateway's resolver stopped selecting an instance whose requests kept failing. */
    EJECTED,
    /** An ejected instance is selected again. */
    RETURNED,
    /** An operator acted through the console. */
    ACTION
  }

  private final Deque<JsonObject> entries = new ArrayDeque<>();
  private long lastId;

  /**
   * @param kind         what it is about
   * @param name         the service, {@code null} for none
   * @param registration the instance, {@code null} for none
   * @param text         what happened, in plain words
   * @return the entry, as kept
   */
  JsonObject add(Kind kind, String name, String registration, String text) {
    JsonObject entry = new JsonObject().put("id", ++lastId).put("time", Instant.now().toString())
      .put("kind", kind.name()).put("name", name).put("registration", registration).put("text", text);
    entries.addLast(entry);
    if (entries.size() > LIMIT) {
      entries.removeFirst();
    }
    return entry;
  }

  /**
   * @param actor        the name of the admin token that acted
   * @param name         the service
   * @param registration the instance
   * @param text         what was done, in plain words
   * @return the entry, as kept
   */
  JsonObject addAction(String actor, String name, String registration, String text) {
    return add(Kind.ACTION, name, registration, text).put("actor", actor);
  }

  /** @return every entry kept, oldest first */
  JsonArray toJson() {
    return new JsonArray(new ArrayList<>(entries));
  }
}
