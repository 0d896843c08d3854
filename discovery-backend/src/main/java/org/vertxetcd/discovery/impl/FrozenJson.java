package org.vertxetcd.discovery.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Deeply immutable JSON, for what the cache holds: it can then be shared with every reader without copying, and no
 * reader can change it (a change throws {@link UnsupportedOperationException}). {@link JsonObject#copy()} of a frozen
 * object gives an ordinary, mutable one, in the same key order.
 */
public final class FrozenJson {

  private FrozenJson() {
  }

  private static final JsonFactory FACTORY = new JsonFactory();

  /**
   * Parses a JSON object straight into frozen maps and lists, without the intermediate mutable copy that
   * {@code new JsonObject(buffer)} followed by {@link #freeze} would make. Values are read as Vert.x reads them.
   *
   * @param bytes UTF-8 JSON
   * @return the frozen object
   * @throws DecodeException when the bytes are not one JSON object
   */
  public static JsonObject parseObject(byte[] bytes) {
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new DecodeException("not a JSON object");
      }
      Map<String, Object> object = parseMap(parser);
      if (parser.nextToken() != null) {
        throw new DecodeException("content after the JSON object");
      }
      return new JsonObject(object);
    } catch (IOException e) {
      throw new DecodeException("invalid JSON: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> parseMap(JsonParser parser) throws IOException {
    FrozenMap map = new FrozenMap(8);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      parser.nextToken();
      map.init(key, parseValue(parser));
    }
    map.sealed = true;
    return map;
  }

  private static Object parseValue(JsonParser parser) throws IOException {
    switch (parser.currentTokenId()) {
      case JsonTokenId.ID_START_OBJECT:
        return parseMap(parser);
      case JsonTokenId.ID_START_ARRAY:
        List<Object> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          list.add(parseValue(parser));
        }
        return Collections.unmodifiableList(list);
      case JsonTokenId.ID_STRING:
        return parser.getText();
      case JsonTokenId.ID_NUMBER_INT:
      case JsonTokenId.ID_NUMBER_FLOAT:
        return parser.getNumberValue();
      case JsonTokenId.ID_TRUE:
        return Boolean.TRUE;
      case JsonTokenId.ID_FALSE:
        return Boolean.FALSE;
      case JsonTokenId.ID_NULL:
        return null;
      default:
        throw new DecodeException("unexpected " + parser.currentToken());
    }
  }

  /**
   * @param json any JSON object, {@code null} included
   * @return an immutable deep copy
   */
  public static JsonObject freeze(JsonObject json) {
    return json == null ? null : new JsonObject(frozenMap(json.getMap()));
  }

  private static Map<String, Object> frozenMap(Map<String, Object> map) {
    FrozenMap frozen = new FrozenMap(map.size());
    map.forEach((key, value) -> frozen.init(key, frozen(value)));
    frozen.sealed = true;
    return frozen;
  }

  @SuppressWarnings("unchecked")
  private static Object frozen(Object value) {
    if (value instanceof JsonObject) {
      return frozenMap(((JsonObject) value).getMap());
    }
    if (value instanceof Map) {
      return frozenMap((Map<String, Object>) value);
    }
    if (value instanceof JsonArray) {
      return frozenList(((JsonArray) value).getList());
    }
    if (value instanceof List) {
      return frozenList((List<Object>) value);
    }
    return value;
  }

  private static List<Object> frozenList(List<Object> list) {
    List<Object> copy = new ArrayList<>(list.size());
    list.forEach(item -> copy.add(frozen(item)));
    return Collections.unmodifiableList(copy);
  }

  /** A {@link LinkedHashMap} (so copies keep the key order) that refuses every change once sealed. */
  private static final class FrozenMap extends LinkedHashMap<String, Object> {
    private boolean sealed;

    FrozenMap(int size) {
      super(Math.max(4, size * 4 / 3 + 1));
    }

    void init(String key, Object value) {
      super.put(key, value);
    }

    private void refuse() {
      if (sealed) {
        throw new UnsupportedOperationException("This JSON is shared by the registry's cache and cannot change: "
          + "work on a copy (JsonObject.copy())");
      }
    }

    @Override
    public Object put(String key, Object value) {
      refuse();
      return super.put(key, value);
    }

    @Override
    public void putAll(Map<? extends String, ?> map) {
      refuse();
      super.putAll(map);
    }

    @Override
    public Object remove(Object key) {
      refuse();
      return super.remove(key);
    }

    @Override
    public boolean remove(Object key, Object value) {
      refuse();
      return super.remove(key, value);
    }

    @Override
    public void clear() {
      refuse();
      super.clear();
    }

    @Override
    public Object putIfAbsent(String key, Object value) {
      refuse();
      return super.putIfAbsent(key, value);
    }

    @Override
    public Object replace(String key, Object value) {
      refuse();
      return super.replace(key, value);
    }

    @Override
    public boolean replace(String key, Object oldValue, Object newValue) {
      refuse();
      return super.replace(key, oldValue, newValue);
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super Object, ?> function) {
      refuse();
      super.replaceAll(function);
    }

    @Override
    public Object compute(String key, BiFunction<? super String, ? super Object, ?> function) {
      refuse();
      return super.compute(key, function);
    }

    @Override
    public Object computeIfAbsent(String key, Function<? super String, ?> function) {
      refuse();
      return super.computeIfAbsent(key, function);
    }

    @Override
    public Object computeIfPresent(String key, BiFunction<? super String, ? super Object, ?> function) {
      refuse();
      return super.computeIfPresent(key, function);
    }

    @Override
    public Object merge(String key, Object value, BiFunction<? super Object, ? super Object, ?> function) {
      refuse();
      return super.merge(key, value, function);
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
      return sealed ? Collections.unmodifiableSet(super.entrySet()) : super.entrySet();
    }

    @Override
    public Set<String> keySet() {
      return sealed ? Collections.unmodifiableSet(super.keySet()) : super.keySet();
    }

    @Override
    public Collection<Object> values() {
      return sealed ? Collections.unmodifiableCollection(super.values()) : super.values();
    }
  }
}
