package org.vertxetcd.discovery.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * Reports keys under the prefix that hold no valid record once each, not once per event: a key is reported again only
 * after it was fixed or deleted and then broke again.
 * <p>
 * Used on the registry's context only.
 */
public final class BadKeys {

  private static final Logger LOG = LoggerFactory.getLogger(BadKeys.class);

  private final Set<String> reported = new HashSet<>();

  /**
   * @param displayKey the key, printable
   * @param problem    why it holds no record
   */
  public void report(String displayKey, String problem) {
    if (reported.add(displayKey)) {
      LOG.warn("Ignoring key '{}': {}", displayKey, problem);
    }
  }

  /**
   * @param displayKey a key that now holds a valid record or was deleted
   */
  public void clear(String displayKey) {
    if (!reported.isEmpty()) {
      reported.remove(displayKey);
    }
  }

  /** @return how many keys are reported as holding no record (read from any thread: a count, not exact) */
  public int size() {
    return reported.size();
  }

  /**
   * Forgets the keys a full list no longer shows as bad.
   *
   * @param stillBad the bad keys of the latest list
   */
  public void retainOnly(Set<String> stillBad) {
    reported.retainAll(stillBad);
  }
}
