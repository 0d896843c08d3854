package org.vertxetcd.discovery.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Deeply immutable JSON, for what the cache holds: it can then be shared with every reader without copying, and no
 * reader can change it (a change throws {@link UnsupportedOperationException}). {@link JsonObject#copy()} of a frozen
 * object gives an ordinary, mutable one, in the same key order.
 * <p>
 * A frozen object is a map of one array of keys and values (a record's location and metadata hold a handful of
 * entries: a linear scan finds one faster than a hash, in a fifth of a hash map's memory), and short string values
 * that many records repeat (a zone, a version, a path, a type) share one instance, through a small cache of the
 * strings seen last.
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
    List<Object> entries = new ArrayList<>(16);
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      parser.nextToken();
      Object value = parseValue(parser);
      int existing = indexOf(entries, key);
      if (existing >= 0) {
        // A repeated key keeps its place and takes the last value, as Vert.x's parser does.
        entries.set(existing + 1, value);
      } else {
        entries.add(key);
        entries.add(value);
      }
    }
    return new FrozenMap(entries.toArray());
  }

  private static int indexOf(List<Object> entries, String key) {
    for (int i = 0; i < entries.size(); i += 2) {
      if (entries.get(i).equals(key)) {
        return i;
      }
    }
    return -1;
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
        return SharedStrings.shared(parser.getText());
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
    Object[] entries = new Object[map.size() * 2];
    int[] next = {0};
    map.forEach((key, value) -> {
      entries[next[0]++] = key;
      entries[next[0]++] = frozen(value);
    });
    return new FrozenMap(entries);
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
    return value instanceof String ? SharedStrings.shared((String) value) : value;
  }

  private static List<Object> frozenList(List<Object> list) {
    List<Object> copy = new ArrayList<>(list.size());
    list.forEach(item -> copy.add(frozen(item)));
    return Collections.unmodifiableList(copy);
  }

  /**
   * An immutable map of one array {@code [key0, value0, key1, value1, ...]}, in insertion order. It is a
   * {@link LinkedHashMap} whose own table stays empty, only so that {@link JsonObject#copy()} (which keeps the order of
   * a {@code LinkedHashMap} only) keeps the key order: every read answers from the array, every change throws.
   */
  private static final class FrozenMap extends LinkedHashMap<String, Object> {
    private final Object[] entries;

    private FrozenMap(Object[] entries) {
      super(0);
      this.entries = entries;
    }

    private int indexOf(Object key) {
      for (int i = 0; i < entries.length; i += 2) {
        if (entries[i] == key || entries[i].equals(key)) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public Object get(Object key) {
      int index = indexOf(key);
      return index < 0 ? null : entries[index + 1];
    }

    @Override
    public Object getOrDefault(Object key, Object defaultValue) {
      int index = indexOf(key);
      return index < 0 ? defaultValue : entries[index + 1];
    }

    @Override
    public boolean containsKey(Object key) {
      return indexOf(key) >= 0;
    }

    @Override
    public boolean containsValue(Object value) {
      return values().contains(value);
    }

    @Override
    public int size() {
      return entries.length / 2;
    }

    @Override
    public boolean isEmpty() {
      return entries.length == 0;
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Object> action) {
      for (int i = 0; i < entries.length; i += 2) {
        action.accept((String) entries[i], entries[i + 1]);
      }
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
      return new Elements<>(at -> new AbstractMap.SimpleImmutableEntry<>((String) entries[at], entries[at + 1]));
    }

    @Override
    public Set<String> keySet() {
      return new Elements<>(at -> (String) entries[at]);
    }

    @Override
    public Collection<Object> values() {
      List<Object> values = new ArrayList<>(size());
      forEach((key, value) -> values.add(value));
      return Collections.unmodifiableList(values);
    }

    /** A read-only view of one element per entry (entries have distinct keys), in the map's order. */
    private final class Elements<E> extends AbstractSet<E> {
      private final IntFunction<E> elementAt;

      Elements(IntFunction<E> elementAt) {
        this.elementAt = elementAt;
      }

      @Override
      public Iterator<E> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < entries.length;
          }

          @Override
          public E next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            E element = elementAt.apply(next);
            next += 2;
            return element;
          }
        };
      }

      @Override
      public int size() {
        return FrozenMap.this.size();
      }
    }

    @Override
    public Object put(String key, Object value) {
      throw refused();
    }

    @Override
    public void putAll(Map<? extends String, ?> map) {
      throw refused();
    }

    @Override
    public Object remove(Object key) {
      throw refused();
    }

    @Override
    public boolean remove(Object key, Object value) {
      throw refused();
    }

    @Override
    public void clear() {
      throw refused();
    }

    @Override
    public Object putIfAbsent(String key, Object value) {
      throw refused();
    }

    @Override
    public Object replace(String key, Object value) {
      throw refused();
    }

    @Override
    public boolean replace(String key, Object oldValue, Object newValue) {
      throw refused();
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super Object, ?> function) {
      throw refused();
    }

    @Override
    public Object compute(String key, BiFunction<? super String, ? super Object, ?> function) {
      throw refused();
    }

    @Override
    public Object computeIfAbsent(String key, Function<? super String, ?> function) {
      throw refused();
    }

    @Override
    public Object computeIfPresent(String key, BiFunction<? super String, ? super Object, ?> function) {
      throw refused();
    }

    @Override
    public Object merge(String key, Object value, BiFunction<? super Object, ? super Object, ?> function) {
      throw refused();
    }

    /** A copy is an ordinary, mutable map in the same order (the inherited clone would copy the empty table). */
    @Override
    public Object clone() {
      return new LinkedHashMap<>(this);
    }

    private static UnsupportedOperationException refused() {
      return new UnsupportedOperationException("This JSON is shared by the registry's cache and cannot change: "
        + "work on a copy (JsonObject.copy())");
    }
  }

  /**
   * Short strings that many records repeat share one instance: a lossy cache of the last string seen in each of a
   * fixed number of slots (a string that collides with another is simply kept as it came). Bounded, lock-free.
   */
  private static final class SharedStrings {
    private static final int SLOTS = 4096;
    private static final int LONGEST = 48;
    private static final String[] SEEN = new String[SLOTS];

    private static String shared(String value) {
      if (value.length() > LONGEST) {
        return value;
      }
      int slot = value.hashCode() & (SLOTS - 1);
      String seen = SEEN[slot];
      if (value.equals(seen)) {
        return seen;
      }
      SEEN[slot] = value;
      return value;
    }
  }
}
