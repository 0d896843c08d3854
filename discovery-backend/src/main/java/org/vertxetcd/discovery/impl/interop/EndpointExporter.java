package org.vertxetcd.discovery.impl.interop;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.servicediscovery.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.impl.Backoff;
import org.vertxetcd.discovery.impl.CachedRecord;
import org.vertxetcd.discovery.impl.EtcdConnection;
import org.vertxetcd.discovery.impl.EtcdErrors;
import org.vertxetcd.discovery.impl.KeyLayout;
import org.vertxetcd.discovery.impl.PermanentFailures;
import org.vertxetcd.discovery.impl.RecordCodec;
import org.vertxetcd.discovery.impl.Retrier;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Mirrors this node's UP records that have a host and port into the format of etcd's gRPC endpoints manager
 * ({@code {"Op":0,"Addr":"host:port","Metadata":{...}}} at {@code {exportPrefix}/{name}/{registration}}), bound to
 * the same lease as the record, so that a gRPC client using etcd's resolver finds them and they expire together.
 * <p>
 * It follows what the watch applies, so it heals with the registry: a record re-registered under a new lease is
 * exported again under that lease. Writes of one registration happen one at a time, in order; a failed write is
 * retried with backoff until a newer one replaces it or its lease is gone. Runs on the registry's context.
 */
public final class EndpointExporter {

  private static final Logger LOG = LoggerFactory.getLogger(EndpointExporter.class);

  /**
   * A key to write, or to delete.
   *
   * @param key   the key
   * @param value its value, {@code null} to delete it
   * @param lease the lease to bind it to
   */
  private record Write(String key, String value, long lease) {
  }

  private final ContextInternal context;
  private final EtcdConnection connection;
  private final String root;
  private final LongSupplier currentLease;
  private final Retrier.Schedule retries;
  /** The key exported for each registration. */
  private final Map<String, String> exported = new HashMap<>();
  private final Map<String, Write> pending = new HashMap<>();
  private final Set<String> writing = new HashSet<>();
  private boolean closed;

  /**
   * @param context      the registry's context
   * @param connection   the etcd connection
   * @param exportPrefix the prefix to export under without trailing slash, {@code null} to export nothing
   * @param currentLease this node's lease now: a write bound to an older lease is not retried
   * @param failures     where a write etcd refuses is reported
   */
  public EndpointExporter(ContextInternal context, EtcdConnection connection, String exportPrefix,
                          LongSupplier currentLease, PermanentFailures failures) {
    this.context = context;
    this.connection = connection;
    this.root = exportPrefix == null ? null : exportPrefix + "/";
    this.currentLease = currentLease;
    this.retries = new Retrier(context, Backoff.BACKGROUND, "the gRPC export", failures).schedule();
  }

  /**
   * One of this node's records as the watch applied it: exported when it is UP with a host and port, withdrawn
   * otherwise.
   *
   * @param record the record
   * @param lease  the lease its key is bound to
   */
  public void onOwnRecord(CachedRecord record, long lease) {
    SocketAddress server = record.getStatus() == Status.UP ? RecordCodec.socketAddress(record.getLocation()) : null;
    if (root == null || server == null) {
      onRecordGone(record);
      return;
    }
    // Encoded as the registry encodes names: a name holding '/' cannot land under another gRPC target.
    String key = root + KeyLayout.encodeName(record.getName()) + "/" + record.getRegistration();
    String address = (server.host().contains(":") ? "[" + server.host() + "]" : server.host()) + ":" + server.port();
    String value = new JsonObject().put("Op", 0).put("Addr", address).put("Metadata", record.getMetadata()).encode();
    exported.put(record.getRegistration(), key);
    enqueue(record.getRegistration(), new Write(key, value, lease));
  }

  /**
   * A record left (or stopped being exportable): its exported key, if any, is deleted.
   *
   * @param record the record
   */
  public void onRecordGone(CachedRecord record) {
    String key = exported.remove(record.getRegistration());
    if (key != null) {
      enqueue(record.getRegistration(), new Write(key, null, 0));
    }
  }

  /** Stops writing; the exported keys leave with the lease. */
  public void close() {
    closed = true;
    pending.clear();
  }

  private void enqueue(String registration, Write write) {
    pending.put(registration, write);
    flush(registration);
  }

  private void flush(String registration) {
    if (closed || writing.contains(registration)) {
      return;
    }
    Write write = pending.remove(registration);
    if (write == null) {
      return;
    }
    writing.add(registration);
    send(write).onComplete((done, error) -> {
      writing.remove(registration);
      if (error == null) {
        retries.succeeded();
        flush(registration);
      } else if (write.value == null || write.lease == currentLease.getAsLong()) {
        LOG.debug("Cannot {} gRPC endpoint {} ({}); retrying with backoff", write.value == null ? "withdraw" : "export",
          write.key, EtcdErrors.unwrap(error).getMessage());
        pending.putIfAbsent(registration, write);
        retries.failed(error, () -> flush(registration));
      } else {
        // The lease went away: the record is exported again once it is re-registered under the new lease.
        LOG.debug("Dropped the export of {} bound to the lost lease {}", write.key, write.lease);
        flush(registration);
      }
    });
  }

  private Future<?> send(Write write) {
    ByteSequence key = ByteSequence.from(write.key, StandardCharsets.UTF_8);
    if (write.value == null) {
      return connection.call("withdraw gRPC endpoint " + write.key, () -> connection.kv().delete(key));
    }
    PutOption option = PutOption.builder().withLeaseId(write.lease).build();
    return connection.call("export gRPC endpoint " + write.key, () -> connection.kv().put(key,
      ByteSequence.from(write.value, StandardCharsets.UTF_8), option));
  }
}
