package org.vertxetcd.discovery;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.spi.ServiceDiscoveryBackend;
import org.vertxetcd.discovery.impl.CallerContext;
import org.vertxetcd.discovery.impl.Registries;
import org.vertxetcd.discovery.impl.SharedRegistry;

import java.util.List;
import java.util.function.Function;

/**
 * The etcd {@link ServiceDiscoveryBackend}, selected with {@code "backend-name": "etcd"} in the
 * {@code backendConfiguration} (see {@link EtcdBackendOptions} for the other keys).
 * <p>
 * Records are stored in etcd bound to this node's lease and answered from a watch-synced local cache. Every
 * {@code ServiceDiscovery} created on one Vert.x instance with the same configuration shares one etcd client, one
 * lease and one watch; closing Vert.x revokes the lease, so this node's records leave at once.
 * <p>
 * Every method returns at once; its result is delivered on the caller's context (a new one when called from a thread
 * that is not Vert.x's). The callback methods of the SPI are thin adapters of the {@code Future}-returning ones.
 */
public class EtcdBackendService implements ServiceDiscoveryBackend {

  private Vertx vertx;
  private Registries.Handle reference;

  /**
   * Creates an uninitialised backend; Vert.x's {@code ServiceDiscovery} calls {@link #init(Vertx, JsonObject)}.
   */
  public EtcdBackendService() {
  }

  /**
   * @return {@value EtcdBackendOptions#BACKEND_NAME}
   */
  @Override
  public String name() {
    return EtcdBackendOptions.BACKEND_NAME;
  }

  /**
   * Connects this backend to the shared registry of this Vert.x instance and configuration, creating it (and
   * starting its first sync with etcd) on first use.
   *
   * @param vertx  the Vert.x instance
   * @param config the {@code backendConfiguration}
   * @throws IllegalArgumentException when the configuration is invalid; the message names the key
   */
  @Override
  public void init(Vertx vertx, JsonObject config) {
    init(vertx, new EtcdBackendOptions(config));
  }

  /**
   * Like {@link #init(Vertx, JsonObject)}, with typed options.
   *
   * @param vertx   the Vert.x instance
   * @param options the options
   * @throws IllegalArgumentException when the options are invalid; the message names the key
   * @throws IllegalStateException    when this backend was already initialised
   */
  public void init(Vertx vertx, EtcdBackendOptions options) {
    if (reference != null) {
      throw new IllegalStateException("This etcd discovery backend is already initialised");
    }
    options.validate();
    this.vertx = vertx;
    this.reference = Registries.acquire(vertx, options);
  }

  /**
   * Stores a new record under this node's lease, assigning its registration id (also set on the given record).
   *
   * @param record the record, with a name and without registration
   * @return the record with its registration id
   */
  public Future<Record> store(Record record) {
    return onCallerContext(registry -> registry.store(record));
  }

  /**
   * Replaces an existing record (same registration id and name); the key keeps its lease.
   *
   * @param record the new version of the record
   * @return completes when etcd applied the update
   */
  public Future<Void> update(Record record) {
    return onCallerContext(registry -> registry.update(record));
  }

  /**
   * Removes a record.
   *
   * @param registration its registration id
   * @return the removed record
   */
  public Future<Record> remove(String registration) {
    return onCallerContext(registry -> registry.remove(registration));
  }

  /**
   * @return copies of every record in the registry, from the local cache
   */
  public Future<List<Record>> getRecords() {
    return onCallerContext(registry -> registry.getRecords());
  }

  /**
   * @param registration a registration id
   * @return a copy of that record, or {@code null} when there is none, from the local cache
   */
  public Future<Record> getRecord(String registration) {
    return onCallerContext(registry -> registry.getRecord(registration));
  }

  /**
   * Releases this backend's use of the shared registry. When no other backend of this Vert.x instance and
   * configuration uses it, the registry revokes its lease (this node's records leave at once), stops its watch and
   * timers and closes its etcd client. Closing Vert.x does the same for every registry.
   *
   * @return completes when done; never fails
   */
  public Future<Void> close() {
    return reference == null ? Future.succeededFuture() : onCallerContext(reference.release());
  }

  @Override
  public void store(Record record, Handler<AsyncResult<Record>> resultHandler) {
    store(record).onComplete(resultHandler);
  }

  @Override
  public void remove(Record record, Handler<AsyncResult<Record>> resultHandler) {
    remove(record == null ? null : record.getRegistration()).onComplete(resultHandler);
  }

  @Override
  public void remove(String uuid, Handler<AsyncResult<Record>> resultHandler) {
    remove(uuid).onComplete(resultHandler);
  }

  @Override
  public void update(Record record, Handler<AsyncResult<Void>> resultHandler) {
    update(record).onComplete(resultHandler);
  }

  @Override
  public void getRecords(Handler<AsyncResult<List<Record>>> resultHandler) {
    getRecords().onComplete(resultHandler);
  }

  @Override
  public void getRecord(String uuid, Handler<AsyncResult<Record>> resultHandler) {
    getRecord(uuid).onComplete(resultHandler);
  }

  private <T> Future<T> onCallerContext(Function<SharedRegistry, Future<T>> operation) {
    if (reference == null) {
      return Future.failedFuture(new IllegalStateException(
        "The etcd discovery backend is not initialised: call init(vertx, config) first"));
    }
    return onCallerContext(operation.apply(reference.registry()));
  }

  private <T> Future<T> onCallerContext(Future<T> result) {
    return CallerContext.deliver(vertx, result);
  }
}
