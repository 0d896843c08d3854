package org.vertxetcd.discovery.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.EtcdBackendOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares one {@link SharedRegistry} per Vert.x instance and configuration among all its users (Vert.x creates a
 * backend object per {@code ServiceDiscovery}), counting references, and closes every registry of a Vert.x instance
 * when that instance closes.
 */
public final class RegistryManager {

  /** One user's reference to a shared registry. */
  public static final class Reference {
    private final SharedRegistry registry;
    private boolean released;

    private Reference(SharedRegistry registry) {
      this.registry = registry;
    }

    /** @return the shared registry */
    public SharedRegistry registry() {
      return registry;
    }

    /**
     * Gives the reference back; releasing the last one closes the registry, which revokes its etcd lease. Releasing
     * twice has no further effect.
     *
     * @return completes when the registry is closed, or at once while others still use it
     */
    public Future<Void> release() {
      synchronized (LOCK) {
        if (released) {
          return Future.succeededFuture();
        }
        released = true;
      }
      return RegistryManager.release(registry);
    }
  }

  /** The registries of one Vert.x instance; closed by Vert.x's close. */
  private static final class Registries implements Closeable {
    private final VertxInternal vertx;
    private final Map<JsonObject, SharedRegistry> byOptions = new HashMap<>();
    private final Map<SharedRegistry, Integer> references = new IdentityHashMap<>();

    private Registries(VertxInternal vertx) {
      this.vertx = vertx;
    }

    @Override
    public void close(Completable<Void> completion) {
      List<Future<Void>> closing = new ArrayList<>();
      synchronized (LOCK) {
        byOptions.values().forEach(registry -> closing.add(registry.close()));
        byOptions.clear();
        references.clear();
        BY_VERTX.remove(vertx, this);
      }
      Future.join(closing).<Void>mapEmpty().onComplete(completion);
    }
  }

  private static final Object LOCK = new Object();
  private static final Map<Vertx, Registries> BY_VERTX = new IdentityHashMap<>();

  private RegistryManager() {
  }

  /**
   * @param vertx   the application's Vert.x instance
   * @param options validated options
   * @return a reference to the registry of that instance and configuration, created on first use
   */
  public static Reference acquire(Vertx vertx, EtcdBackendOptions options) {
    synchronized (LOCK) {
      Registries registries = BY_VERTX.computeIfAbsent(vertx, v -> {
        Registries created = new Registries((VertxInternal) v);
        created.vertx.addCloseHook(created);
        return created;
      });
      SharedRegistry registry = registries.byOptions.computeIfAbsent(options.toJson(),
        key -> new SharedRegistry(vertx, new EtcdBackendOptions(options)));
      registries.references.merge(registry, 1, Integer::sum);
      return new Reference(registry);
    }
  }

  private static Future<Void> release(SharedRegistry registry) {
    synchronized (LOCK) {
      Registries owner = BY_VERTX.values().stream().filter(r -> r.references.containsKey(registry)).findFirst()
        .orElse(null);
      if (owner == null) {
        return Future.succeededFuture();
      }
      int remaining = owner.references.merge(registry, -1, Integer::sum);
      if (remaining > 0) {
        return Future.succeededFuture();
      }
      owner.references.remove(registry);
      owner.byOptions.values().remove(registry);
      if (owner.byOptions.isEmpty()) {
        BY_VERTX.remove(owner.vertx);
        owner.vertx.removeCloseHook(owner);
      }
    }
    return registry.close();
  }
}
