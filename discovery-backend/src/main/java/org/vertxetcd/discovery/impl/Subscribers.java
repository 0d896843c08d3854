package org.vertxetcd.discovery.impl;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.RegistryEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The subscribers of this node's registry, to all of it or to one service. Each event goes only to the subscribers
 * it concerns, on each one's own context, in revision order. Only the registry's context adds, removes and
 * dispatches: a subscriber added while a snapshot is taken on that context receives exactly the changes after it.
 */
public final class Subscribers {

  private static final Logger LOG = LoggerFactory.getLogger(Subscribers.class);

  /** One subscriber: a handler, the context it runs on, and the service it follows ({@code null} for all). */
  public static final class Subscriber {
    private final String name;
    private final Context context;
    private final Handler<RegistryEvent> handler;
    private volatile boolean cancelled;

    private Subscriber(String name, Context context, Handler<RegistryEvent> handler) {
      this.name = name;
      this.context = context;
      this.handler = handler;
    }

    /** Stops deliveries at once, including those already queued on the subscriber's context. */
    void cancel() {
      cancelled = true;
    }

    private void deliver(RegistryEvent event) {
      context.runOnContext(v -> {
        if (!cancelled) {
          try {
            handler.handle(event);
          } catch (RuntimeException e) {
            // One subscriber's bug must not stop the next events reaching it, nor reach the registry.
            LOG.error("A registry subscriber failed on {} {} ({}) at revision {}", event.type(), event.name(),
              event.registration(), event.revision(), e);
          }
        }
      });
    }
  }

  private final List<Subscriber> ofEverything = new ArrayList<>();
  private final Map<String, List<Subscriber>> byName = new HashMap<>();

  /**
   * @param name    the service to follow, {@code null} for every service
   * @param context where the handler runs
   * @param handler receives the events
   * @return the subscriber, receiving every change dispatched from now on
   */
  public Subscriber add(String name, Context context, Handler<RegistryEvent> handler) {
    Subscriber subscriber = new Subscriber(name, context, handler);
    if (name == null) {
      ofEverything.add(subscriber);
    } else {
      byName.computeIfAbsent(name, n -> new ArrayList<>()).add(subscriber);
    }
    return subscriber;
  }

  /**
   * @param subscriber a subscriber to forget; it was cancelled already
   */
  public void remove(Subscriber subscriber) {
    if (subscriber.name == null) {
      ofEverything.remove(subscriber);
    } else {
      byName.computeIfPresent(subscriber.name, (name, subscribers) -> {
        subscribers.remove(subscriber);
        return subscribers.isEmpty() ? null : subscribers;
      });
    }
  }

  /**
   * @param event a change, in revision order with the previous ones
   */
  public void dispatch(RegistryEvent event) {
    ofEverything.forEach(subscriber -> subscriber.deliver(event));
    List<Subscriber> ofService = byName.get(event.name());
    if (ofService != null) {
      ofService.forEach(subscriber -> subscriber.deliver(event));
    }
  }
}
