package org.vertxetcd.discovery.tests;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.ServiceReference;
import io.vertx.servicediscovery.Status;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.vertxetcd.discovery.support.DiscoveryExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxetcd.discovery.support.TestSupport.await;

/**
 * The backend used the way applications use it: through Vert.x's {@link ServiceDiscovery}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceDiscoveryIntegrationTest {

  @RegisterExtension
  static DiscoveryExtension etcd = DiscoveryExtension.members(1);

  private ServiceDiscovery discovery;

  @BeforeEach
  void setUp(Vertx vertx) {
    discovery = etcd.discovery(vertx);
  }

  @Test
  void publishLookupByFilterUpdateAndUnpublish() {
    Record eu = await(discovery.publish(HttpEndpoint.createRecord("greeter", "10.0.0.1", 8080, "/")
      .setMetadata(new JsonObject().put("zone", "eu"))));
    await(discovery.publish(HttpEndpoint.createRecord("greeter", "10.0.0.2", 8080, "/")
      .setMetadata(new JsonObject().put("zone", "us"))));
    await(discovery.publish(new Record().setName("billing").setType("eventbus-service-proxy")));

    assertEquals(2, await(discovery.getRecords(new JsonObject().put("name", "greeter"))).size());
    List<Record> inEu = await(discovery.getRecords(new JsonObject().put("name", "greeter").put("zone", "eu")));
    assertEquals(List.of(eu.getRegistration()), inEu.stream().map(Record::getRegistration).toList());
    assertEquals("10.0.0.1", inEu.get(0).getLocation().getString("host"));

    await(discovery.update(eu.setStatus(Status.OUT_OF_SERVICE)));
    assertEquals(1, await(discovery.getRecords(new JsonObject().put("name", "greeter"))).size(),
      "lookups leave out records that are not UP");
    assertEquals(Status.OUT_OF_SERVICE, await(discovery.getRecord(
      new JsonObject().put("registration", eu.getRegistration()).put("status", "*"))).getStatus());

    await(discovery.unpublish(eu.getRegistration()));
    assertNull(await(discovery.getRecord(new JsonObject().put("registration", eu.getRegistration())
      .put("status", "*"))));
    assertEquals(2, await(discovery.getRecords(record -> true, true)).size());
  }

  @Test
  void aReferenceToAnHttpEndpointReachesTheService(Vertx vertx) {
    HttpServer server = await(vertx.createHttpServer()
      .requestHandler(request -> request.response().end("hello from " + request.path()))
      .listen(0, "127.0.0.1"));
    await(discovery.publish(HttpEndpoint.createRecord("greeter", "127.0.0.1", server.actualPort(), "/api")));

    Record found = await(discovery.getRecord(new JsonObject().put("name", "greeter")));
    ServiceReference reference = discovery.getReference(found);
    HttpClient client = reference.getAs(HttpClient.class);
    Buffer body = await(client.request(HttpMethod.GET, "/api/hello")
      .compose(request -> request.send())
      .compose(HttpClientResponse::body));
    assertEquals("hello from /api/hello", body.toString());
    reference.release();
    assertTrue(discovery.bindings().isEmpty());
  }

  @Test
  void aVerticleUnpublishingInStopSucceedsWhileVertxCloses() {
    // Vert.x 5 closes the registry (a close hook) before it undeploys verticles, so stop() finds it closed.
    String prefix = etcd.prefix();
    JsonObject config = etcd.config();
    Vertx node = etcd.vertx();
    AtomicReference<AsyncResult<Void>> unpublished = new AtomicReference<>();
    await(node.deployVerticle(new VerticleBase() {
      private ServiceDiscovery own;
      private Record record;

      @Override
      public Future<?> start() {
        own = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions()
          .setBackendConfiguration(config));
        return own.publish(HttpEndpoint.createRecord("closing", "10.0.0.9", 8080, "/"))
          .onSuccess(published -> record = published);
      }

      @Override
      public Future<?> stop() {
        return own.unpublish(record.getRegistration()).onComplete(unpublished::set)
          .eventually(() -> {
            own.close();
            return Future.succeededFuture();
          });
      }
    }));
    assertEquals(1, etcd.etcdctl("get", prefix + "/", "--prefix", "--keys-only").lines()
      .filter(line -> !line.isBlank()).count());

    await(node.close());
    assertTrue(unpublished.get().succeeded(), () -> "unpublish in stop(): " + unpublished.get().cause());
    assertEquals("", etcd.etcdctl("get", prefix + "/", "--prefix", "--keys-only").trim(), "the record is gone");
  }
}
