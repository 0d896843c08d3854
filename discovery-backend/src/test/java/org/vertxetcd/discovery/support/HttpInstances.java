package org.vertxetcd.discovery.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.vertxetcd.discovery.ServiceAddress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * Real HTTP servers registered as instances of a service, each answering its own name, and a client's requests to
 * a service address, counted by the instance that answered.
 */
public final class HttpInstances {

  /** How long a request may stay without an answer before it fails, naming itself, instead of hanging a test. */
  public static final long REQUEST_IDLE_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final ServiceDiscovery discovery;
  private final Map<String, Record> records = new HashMap<>();
  private final Map<String, HttpServer> servers = new HashMap<>();

  /**
   * @param vertx     where the servers run
   * @param discovery where they are registered
   */
  public HttpInstances(Vertx vertx, ServiceDiscovery discovery) {
    this.vertx = vertx;
    this.discovery = discovery;
  }

  /**
   * Starts an HTTP server answering its name, registered as an instance of {@code service} with that metadata (and
   * {@code instance}: its name).
   *
   * @param service  the service
   * @param name     the instance's name
   * @param metadata its record's metadata
   * @return its record
   */
  public Record start(String service, String name, JsonObject metadata) {
    HttpServer server = listen(name);
    Record record = await(discovery.publish(HttpEndpoint.createRecord(service, "127.0.0.1", server.actualPort(), "/",
      metadata.copy().put("instance", name))));
    records.put(name, record);
    return record;
  }

  /**
   * @param name an instance's name
   * @return its record
   */
  public Record record(String name) {
    return records.get(name);
  }

  /**
   * Stops an instance's server without unregistering it: connections to it are refused, as after a crash.
   *
   * @param name the instance's name
   */
  public void crash(String name) {
    await(servers.remove(name).close());
  }

  /**
   * Starts a crashed instance's server again, on another port, and updates its record to say so.
   *
   * @param name the instance's name
   */
  public void restart(String name) {
    HttpServer server = listen(name);
    Record record = records.get(name);
    record.getLocation().put("port", server.actualPort())
      .put("endpoint", "http://127.0.0.1:" + server.actualPort() + "/");
    await(discovery.update(record));
  }

  private HttpServer listen(String name) {
    HttpServer server = await(vertx.createHttpServer()
      .requestHandler(request -> request.response().end(name))
      .listen(0, "127.0.0.1"));
    servers.put(name, server);
    return server;
  }

  /**
   * Sends requests one after the other (so that round robin is exact), from one Vert.x context as an application's
   * verticle does: Vert.x 5.0.7 can lose the end of a response to a request made from a plain thread through an
   * address resolver (each such request gets a context of its own; measured: one in a few thousand hangs).
   *
   * @param context  where the requests are made
   * @param client   the client
   * @param address  the service address
   * @param requests how many
   * @return who answered each, {@code failed} for a request that failed
   */
  public static List<String> send(Context context, HttpClient client, ServiceAddress address, int requests) {
    List<String> answeredBy = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      Promise<String> answered = Promise.promise();
      context.runOnContext(v -> answer(client, new RequestOptions().setServer(address)).otherwise("failed")
        .onComplete(answered));
      answeredBy.add(await(answered.future()));
    }
    return answeredBy;
  }

  /**
   * @param client  the client
   * @param options the request, with its server
   * @return the name of the instance that answered
   */
  public static Future<String> answer(HttpClient client, RequestOptions options) {
    return client.request(options.setMethod(HttpMethod.GET).setURI("/").setIdleTimeout(REQUEST_IDLE_TIMEOUT_MS))
      .compose(request -> request.send())
      .compose(HttpClientResponse::body)
      .map(Object::toString);
  }

  /**
   * @param answeredBy who answered each request
   * @return the number of requests each answered
   */
  public static Map<String, Long> counts(List<String> answeredBy) {
    return answeredBy.stream().collect(Collectors.groupingBy(name -> name, Collectors.counting()));
  }
}
