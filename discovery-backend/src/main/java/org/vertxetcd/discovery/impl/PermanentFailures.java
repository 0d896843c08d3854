package org.vertxetcd.discovery.impl;

/**
 * Where the parts of a registry report errors that waiting cannot fix (permission denied, wrong credentials, a
 * request etcd calls invalid) and their end: such errors make the registry unhealthy, naming what failed, and are
 * logged once rather than at every retry.
 */
public interface PermanentFailures {

  /**
   * @param source what failed, e.g. "the import of /services" or "re-registration"
   * @param error  the error
   */
  void failed(String source, Throwable error);

  /**
   * @param source what works again
   */
  void resolved(String source);
}
