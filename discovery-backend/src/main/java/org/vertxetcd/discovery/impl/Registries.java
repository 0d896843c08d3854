package org.vertxetcd.discovery.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.CloseFuture;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import org.vertxetcd.discovery.EtcdBackendOptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Shares one {@link SharedRegistry} per Vert.x instance and configuration among its users (Vert.x creates a backend
 * object per {@code ServiceDiscovery}) as a Vert.x shared resource: each use holds a handle tied to the
 * {@code CloseFuture} of its caller (the deployment of the verticle that created it, or Vert.x itself), and the
 * registry closes (its lease revoked, its client closed) when the last handle is released, by an explicit close or
 * by the undeploy of the last deployment using it.
 */
public final class Registries {

  /** The local map Vert.x keeps the registries of one instance in. */
  private static final String RESOURCE_KEY = "__vertx.etcd.discovery.registries";

  /** One use of a shared registry. */
  public static final class Handle {
    private final SharedRegistry registry;
    private final CloseFuture closeFuture;

    private Handle(SharedRegistry registry, CloseFuture closeFuture) {
      this.registry = registry;
      this.closeFuture = closeFuture;
    }

    /** @return the shared registry */
    public SharedRegistry registry() {
      return registry;
    }

    /**
     * Gives the handle back; releasing the last one closes the registry, which revokes its etcd lease. Releasing
     * twice has no further effect.
     *
     * @return completes when the registry is closed, or at once while others still use it
     */
    public Future<Void> release() {
      return closeFuture.close();
    }
  }

  private Registries() {
  }

  /**
   * @param vertx   the application's Vert.x instance
   * @param options validated options
   * @return a handle on the registry of that instance and configuration, created on first use, released when the
   *     caller's deployment (or Vert.x) closes
   */
  public static Handle acquire(Vertx vertx, EtcdBackendOptions options) {
    VertxInternal internal = (VertxInternal) vertx;
    ContextInternal caller = internal.getContext();
    CloseFuture owner = caller != null ? caller.closeFuture() : internal.closeFuture();
    // A handle of its own for every use: Vert.x counts one use per close future it is given.
    CloseFuture handle = new CloseFuture();
    EtcdBackendOptions copy = new EtcdBackendOptions(options);
    SharedRegistry registry = internal.createSharedResource(RESOURCE_KEY, name(copy), handle, closeFuture -> {
      SharedRegistry created = new SharedRegistry(vertx, copy);
      closeFuture.add(completion -> created.close().onComplete(completion));
      return created;
    });
    owner.add(handle);
    return new Handle(registry, handle);
  }

  /**
   * Equal options, equal name; the JSON holds secrets (a password, in-memory keys), so the name is its digest. An
   * explicit meter registry is not in the JSON: registries with different ones are different.
   */
  private static String name(EtcdBackendOptions options) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
        .digest(options.toJson().encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest) + (options.getMeterRegistry() == null ? ""
        : "@" + System.identityHashCode(options.getMeterRegistry()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }
}
