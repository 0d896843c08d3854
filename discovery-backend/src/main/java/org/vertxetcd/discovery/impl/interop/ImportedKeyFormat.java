package org.vertxetcd.discovery.impl.interop;

import io.etcd.jetcd.ByteSequence;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.Status;
import org.vertxetcd.discovery.EtcdImportOptions;
import org.vertxetcd.discovery.impl.CachedRecord;
import org.vertxetcd.discovery.impl.KeyChange;
import org.vertxetcd.discovery.impl.KeyFormat;
import org.vertxetcd.discovery.impl.KeyLayout;
import org.vertxetcd.discovery.impl.RecordCodec;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * How services that are not Vert.x register in etcd, read as records: one key per instance under the import's
 * prefix, holding {@code host:port} (plain) or the JSON of etcd's gRPC endpoints manager. The registration id of an
 * imported record is its key, so it can never collide with a registration of this registry.
 */
public final class ImportedKeyFormat extends KeyFormat {

  /** Metadata key telling where an imported record comes from: {@code plain} or {@code grpc}. */
  public static final String IMPORTED_FROM = "etcd-import";

  private final EtcdImportOptions options;
  private final String format;

  /**
   * @param options a validated import
   */
  public ImportedKeyFormat(EtcdImportOptions options) {
    super(options.normalizedPrefix());
    this.options = options;
    this.format = options.getFormat().name().toLowerCase(Locale.ROOT);
  }

  @Override
  public KeyLayout.ParsedKey parse(ByteSequence key) {
    String text = key.toString(StandardCharsets.UTF_8);
    if (!text.startsWith(root()) || text.indexOf('\uFFFD') >= 0 || text.codePoints().anyMatch(Character::isISOControl)) {
      return null;
    }
    String rest = text.substring(root().length());
    if (options.getService() != null) {
      return rest.isEmpty() ? null : new KeyLayout.ParsedKey(options.getService(), text);
    }
    int slash = rest.lastIndexOf('/');
    return slash <= 0 || slash == rest.length() - 1 ? null : new KeyLayout.ParsedKey(rest.substring(0, slash), text);
  }

  @Override
  public String expectedKey() {
    return options.getService() != null ? root() + "{instance}" : root() + "{service}/{instance}";
  }

  @Override
  public ByteSequence key(String name, String registration) {
    return ByteSequence.from(registration, StandardCharsets.UTF_8);
  }

  @Override
  public CachedRecord decode(KeyLayout.ParsedKey key, byte[] value) throws RecordCodec.InvalidRecordException {
    String text = new String(value, StandardCharsets.UTF_8).trim();
    JsonObject metadata = new JsonObject();
    String address;
    if (options.getFormat() == EtcdImportOptions.Format.GRPC) {
      JsonObject endpoint = grpcEndpoint(text);
      address = endpoint.getValue("Addr") instanceof String ? endpoint.getString("Addr") : null;
      if (address == null) {
        throw new RecordCodec.InvalidRecordException("the gRPC endpoint has no \"Addr\" string");
      }
      if (endpoint.getValue("Metadata") instanceof JsonObject) {
        metadata.mergeIn(endpoint.getJsonObject("Metadata"));
      }
    } else {
      address = text;
    }
    JsonObject location = location(address);
    Record record = new Record().setName(key.name()).setRegistration(key.registration()).setType(options.getType())
      .setStatus(Status.UP).setLocation(location).setMetadata(metadata.put(IMPORTED_FROM, format));
    return RecordCodec.snapshot(record);
  }

  private static JsonObject grpcEndpoint(String text) throws RecordCodec.InvalidRecordException {
    JsonObject endpoint;
    try {
      endpoint = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new RecordCodec.InvalidRecordException("the value is not the JSON object of a gRPC endpoint");
    }
    Object operation = endpoint.getValue("Op");
    if (operation != null && !Integer.valueOf(0).equals(operation)) {
      // grpc-go's naming.Update: Op 0 adds the address, Op 1 deletes it; only an add stands for an instance.
      throw new RecordCodec.InvalidRecordException("the gRPC endpoint update is not an add (\"Op\": " + operation
        + ")");
    }
    return endpoint;
  }

  /** {@code host:port} (IPv6 hosts in brackets) as a location with {@code host}, {@code port} and {@code endpoint}. */
  private static JsonObject location(String address) throws RecordCodec.InvalidRecordException {
    int colon = address.lastIndexOf(':');
    String host = colon <= 0 ? "" : address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (host.isEmpty() || port < 1 || port > 65_535 || host.codePoints().anyMatch(Character::isWhitespace)) {
      throw new RecordCodec.InvalidRecordException("the address '"
        + KeyChange.displayKey(address.getBytes(StandardCharsets.UTF_8)) + "' is not host:port");
    }
    return new JsonObject().put("host", host).put("port", port).put("endpoint", address);
  }
}
