package org.vertxetcd.discovery.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vertxetcd.launcher.EtcdExtension;

import java.util.List;

/**
 * Backend configurations for tests: the launcher knows etcd, not this backend, so the mapping from a test cluster to
 * a {@code backendConfiguration} lives here.
 */
public final class BackendConfig {

  private BackendConfig() {
  }

  /**
   * @param etcd   the test's etcd cluster
   * @param prefix the registry prefix
   * @return a backend configuration selecting this backend against every member of that cluster, with a short TTL
   */
  public static JsonObject forCluster(EtcdExtension etcd, String prefix) {
    return forEndpoints(etcd.endpoints(), prefix);
  }

  /**
   * @param endpoints the etcd client URLs
   * @param prefix    the registry prefix
   * @return a backend configuration selecting this backend against these endpoints, with a short TTL
   */
  public static JsonObject forEndpoints(List<String> endpoints, String prefix) {
    return new JsonObject()
      .put("backend-name", "etcd")
      .put("endpoints", new JsonArray(endpoints))
      .put("prefix", prefix)
      .put("ttl", 3);
  }
}
