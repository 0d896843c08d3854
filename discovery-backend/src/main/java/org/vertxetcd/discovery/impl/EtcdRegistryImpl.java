package org.vertxetcd.discovery.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;
import org.vertxetcd.discovery.RegistryEvent;
import org.vertxetcd.discovery.RegistryHealth;
import org.vertxetcd.discovery.RegistrySnapshot;
import org.vertxetcd.discovery.RegistrySubscription;

import java.util.ArrayList;
import java.util.List;

/**
 * A handle on a {@link SharedRegistry}, delivering results on the caller's context.
 */
public final class EtcdRegistryImpl implements EtcdRegistry {

  private final Vertx vertx;
  private final RegistryManager.Reference reference;

  private EtcdRegistryImpl(Vertx vertx, RegistryManager.Reference reference) {
    this.vertx = vertx;
    this.reference = reference;
  }

  /**
   * @param vertx   the application's Vert.x instance
   * @param options the options
   * @return a handle on the shared registry
   */
  public static EtcdRegistry create(Vertx vertx, EtcdBackendOptions options) {
    options.validate();
    return new EtcdRegistryImpl(vertx, RegistryManager.acquire(vertx, options));
  }

  @Override
  public EtcdBackendOptions options() {
    return new EtcdBackendOptions(reference.registry().options());
  }

  @Override
  public Future<RegistrySnapshot> snapshot() {
    return CallerContext.deliver(vertx, reference.registry().snapshot());
  }

  @Override
  public Future<RegistrySubscription> subscribe(Handler<RegistryEvent> handler) {
    Context caller = vertx.getOrCreateContext();
    Promise<RegistrySubscription> subscribed = Promise.promise();
    caller.runOnContext(v -> {
      Subscription subscription = new Subscription(handler);
      // Listen first, snapshot second: every change not in the snapshot is then already on its way to the consumer.
      subscription.consumer = vertx.eventBus().localConsumer(reference.registry().options().getEventsAddress(),
        message -> subscription.onEvent(new RegistryEvent(message.body())));
      subscription.consumer.completion()
        .compose(registered -> reference.registry().snapshot())
        .onComplete((snapshot, error) -> caller.runOnContext(ignored -> {
          if (error != null) {
            subscription.consumer.unregister();
            subscribed.fail(error);
          } else {
            subscription.start(snapshot);
            subscribed.complete(subscription);
          }
        }));
    });
    return CallerContext.deliver(vertx, subscribed.future());
  }

  @Override
  public RegistryHealth health() {
    return reference.registry().health();
  }

  @Override
  public Future<Void> close() {
    return CallerContext.deliver(vertx, reference.release());
  }

  /** Runs on the subscriber's context only. */
  private static final class Subscription implements RegistrySubscription {
    private final Handler<RegistryEvent> handler;
    private final List<RegistryEvent> beforeSnapshot = new ArrayList<>();
    private MessageConsumer<JsonObject> consumer;
    private RegistrySnapshot snapshot;

    Subscription(Handler<RegistryEvent> handler) {
      this.handler = handler;
    }

    void onEvent(RegistryEvent event) {
      if (snapshot == null) {
        beforeSnapshot.add(event);
      } else if (event.revision() > snapshot.revision()) {
        handler.handle(event);
      }
    }

    void start(RegistrySnapshot taken) {
      snapshot = taken;
      beforeSnapshot.forEach(this::onEvent);
      beforeSnapshot.clear();
    }

    @Override
    public RegistrySnapshot snapshot() {
      return snapshot;
    }

    @Override
    public Future<Void> cancel() {
      return consumer.unregister();
    }
  }
}
