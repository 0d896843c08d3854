package org.vertxetcd.discovery;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.discovery.impl.ConfigurationJson;
import org.vertxetcd.discovery.impl.ConfigurationJson.Type;
import org.vertxetcd.discovery.impl.KeyLayout;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One range of etcd keys where services that are not Vert.x register themselves, imported by the registry as
 * read-only records (an element of the {@code imports} array of {@link EtcdBackendOptions}).
 * <p>
 * Each key under {@code prefix} is one instance. Its service name is the part of the key between the prefix and the
 * key's last {@code /} (so {@code /services/greeter/10.0.0.7:8080} under {@code /services} is an instance of
 * {@code greeter}), or the configured {@code service} for every key. Its registration id is the whole key.
 */
@DataObject
@JsonGen(publicConverter = false)
public class EtcdImportOptions {

  /** How the imported keys hold an instance's address. */
  public enum Format {
    /** The value is {@code host:port}, as in etcd's classic service-registration example. */
    PLAIN,
    /**
     * The value is the JSON etcd's gRPC endpoints manager writes under {@code <target>/}:
     * {@code {"Addr":"host:port","Metadata":...}}; an object {@code Metadata} becomes the record's metadata.
     */
    GRPC
  }

  /** The type imported records get unless configured: {@code unknown}, Vert.x's type for anything else. */
  public static final String DEFAULT_TYPE = "unknown";

  /** Key of the prefix. */
  public static final String PREFIX = "prefix";
  /** Key of the format: {@code plain} or {@code grpc}. */
  public static final String FORMAT = "format";
  /** Key of the service name every key stands for (optional). */
  public static final String SERVICE = "service";
  /** Key of the record type. */
  public static final String TYPE = "type";

  private static final Map<String, Type> SCHEMA = Map.of(PREFIX, Type.STRING, FORMAT, Type.STRING,
    SERVICE, Type.STRING, TYPE, Type.STRING);

  private String prefix;
  private Format format = Format.PLAIN;
  private String service;
  private String type = DEFAULT_TYPE;

  /** Creates an import of plain {@code host:port} keys without a prefix yet. */
  public EtcdImportOptions() {
  }

  /**
   * Copy constructor.
   *
   * @param other the options to copy
   */
  public EtcdImportOptions(EtcdImportOptions other) {
    prefix = other.prefix;
    format = other.format;
    service = other.service;
    type = other.type;
  }

  /**
   * Reads an import from its JSON form; {@code format} is {@code plain} or {@code grpc}, in any case.
   *
   * @param json the JSON form
   * @throws IllegalArgumentException when a key holds a value of the wrong type or an unknown format
   */
  public EtcdImportOptions(JsonObject json) {
    JsonObject normalized = ConfigurationJson.normalize(json, SCHEMA, List.of(), "'imports' entry ");
    String format = normalized.getString(FORMAT);
    if (format != null) {
      normalized.put(FORMAT, parseFormat(format).name());
    }
    EtcdImportOptionsConverter.fromJson(normalized, this);
  }

  private static Format parseFormat(String value) {
    try {
      return Format.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid etcd discovery configuration: 'imports' entry '" + FORMAT
        + "' must be \"plain\" or \"grpc\", was \"" + value + "\"");
    }
  }

  /** @return the JSON form */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    EtcdImportOptionsConverter.toJson(this, json);
    return json;
  }

  /** @return the key prefix the instances are registered under */
  public String getPrefix() {
    return prefix;
  }

  /**
   * Sets the key prefix the instances are registered under ({@code prefix}, required), as those services write it:
   * with a leading {@code /} or without (gRPC targets usually have none). A trailing {@code /} makes no difference.
   *
   * @param prefix the prefix
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdImportOptions setPrefix(String prefix) {
    this.prefix = prefix;
    return this;
  }

  /** @return the prefix without trailing slashes */
  public String normalizedPrefix() {
    return prefix == null ? "" : KeyLayout.withoutTrailingSlashes(prefix.trim());
  }

  /** @return how the keys hold an address */
  public Format getFormat() {
    return format;
  }

  /**
   * Sets how the keys hold an address ({@code format}, {@code plain} by default).
   *
   * @param format the format
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdImportOptions setFormat(Format format) {
    this.format = format;
    return this;
  }

  /** @return the service name every key stands for, {@code null} to take it from the key */
  public String getService() {
    return service;
  }

  /**
   * Sets the service name every key under the prefix stands for ({@code service}, unset by default: the name is
   * the part of the key between the prefix and its last {@code /}). Set it when the prefix is one service's own,
   * e.g. a gRPC target.
   *
   * @param service the service name
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdImportOptions setService(String service) {
    this.service = service;
    return this;
  }

  /** @return the type of the imported records */
  public String getType() {
    return type;
  }

  /**
   * Sets the type of the imported records ({@code type}, default {@code unknown}), e.g. {@code http-endpoint} when
   * the instances are HTTP servers.
   *
   * @param type the record type
   * @return a reference to this, so the API can be used fluently
   */
  public EtcdImportOptions setType(String type) {
    this.type = type;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EtcdImportOptions)) {
      return false;
    }
    EtcdImportOptions other = (EtcdImportOptions) o;
    return Objects.equals(prefix, other.prefix) && format == other.format && Objects.equals(service, other.service)
      && Objects.equals(type, other.type);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prefix, format, service, type);
  }

  @Override
  public String toString() {
    return "EtcdImportOptions" + toJson().encode();
  }
}
