package org.vertxetcd.demo;

import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vertxetcd.discovery.EtcdDiscoveryException;

import java.util.Optional;
import java.util.Set;

/**
 * What an operator can do from the console, each protected by an admin token presented as
 * {@code Authorization: Bearer <secret>}; without a valid one (or when the gateway has none) the answer is 401 and
 * nothing changes:
 * <ul>
 *   <li>{@code GET /api/admin/whoami}: {@code {"name": "ops"}}, the name of the token presented;</li>
 *   <li>{@code POST /api/admin/instances/:registration/status} with {@code {"status": "OUT_OF_SERVICE"}} (or
 *   {@code "UP"}): the record is updated in etcd; it keeps its node's lease, so it still leaves with its node;</li>
 *   <li>{@code DELETE /api/admin/instances/:registration}: the record is deregistered.</li>
 * </ul>
 * Every action goes into the history with the token's name as who did it; the secret is never logged nor shown.
 */
final class AdminActions {

  private static final Logger LOG = LoggerFactory.getLogger(AdminActions.class);
  private static final String BEARER = "Bearer ";
  private static final Set<Status> SETTABLE = Set.of(Status.UP, Status.OUT_OF_SERVICE);
  private static final long MAX_BODY_BYTES = 1_024;

  private final AdminTokens tokens;
  private final ServiceDiscovery discovery;
  private final RegistryConsole console;

  /**
   * @param tokens    the admin tokens; none makes the console read-only
   * @param discovery the gateway's discovery, on the same registry as the console's
   * @param console   where actions are recorded
   */
  AdminActions(AdminTokens tokens, ServiceDiscovery discovery, RegistryConsole console) {
    this.tokens = tokens;
    this.discovery = discovery;
    this.console = console;
  }

  /**
   * @param router the gateway's router
   */
  void mount(Router router) {
    router.route("/api/admin/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES));
    router.route("/api/admin/*").handler(this::authenticate);
    router.get("/api/admin/whoami").handler(ctx -> ctx.json(new JsonObject().put("name", actor(ctx))));
    router.post("/api/admin/instances/:registration/status").handler(this::setStatus);
    router.delete("/api/admin/instances/:registration").handler(this::deregister);
  }

  private void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    Optional<String> name = header != null && header.startsWith(BEARER)
      ? tokens.nameOf(header.substring(BEARER.length())) : Optional.empty();
    if (name.isPresent()) {
      ctx.put("actor", name.get());
      ctx.next();
      return;
    }
    LOG.warn("Refused {} {} from {}: {}", ctx.request().method(), ctx.request().path(),
      ctx.request().remoteAddress(), header == null ? "no admin token" : "not a valid admin token");
    ctx.response().setStatusCode(401).putHeader("www-authenticate", "Bearer realm=\"registry console\"");
    ctx.json(new JsonObject().put("error", tokens.enabled()
      ? "an admin token is needed: Authorization: Bearer <secret>"
      : "the console is read-only: the gateway was started without --admin-token"));
  }

  private static String actor(RoutingContext ctx) {
    return ctx.get("actor");
  }

  private void setStatus(RoutingContext ctx) {
    Status status = requestedStatus(ctx);
    if (status == null) {
      fail(ctx, 400, "give {\"status\": \"UP\"} or {\"status\": \"OUT_OF_SERVICE\"}");
      return;
    }
    String actor = actor(ctx);
    withRecord(ctx, record -> {
      Status before = record.getStatus();
      // A copy: the console's table keeps the record as the registry has it until the UPDATE arrives.
      return discovery.update(new Record(record.toJson()).setStatus(status)).map(updated -> {
        console.recordAction(actor, updated, "set " + before + " → " + status);
        return updated;
      });
    });
  }

  /** @return the status the body asks for, {@code null} when it is not JSON naming one that can be set */
  private static Status requestedStatus(RoutingContext ctx) {
    Object body;
    try {
      body = ctx.body().available() ? ctx.body().asJsonObject() : null;
    } catch (DecodeException e) {
      return null;
    }
    String name = body instanceof JsonObject json ? String.valueOf(json.getValue("status")) : null;
    return SETTABLE.stream().filter(status -> status.name().equals(name)).findFirst().orElse(null);
  }

  private void deregister(RoutingContext ctx) {
    String actor = actor(ctx);
    withRecord(ctx, record -> discovery.unpublish(record.getRegistration()).map(done -> {
      console.recordAction(actor, record, "deregistered");
      return record;
    }));
  }

  private interface Action {
    Future<Record> apply(Record record);
  }

  private void withRecord(RoutingContext ctx, Action action) {
    String registration = ctx.pathParam("registration");
    Record record = console.instances().get(registration);
    if (record == null) {
      fail(ctx, 404, "no instance " + registration + " in the registry");
      return;
    }
    action.apply(record).onComplete(done -> {
      if (done.succeeded()) {
        ctx.json(new JsonObject().put("by", actor(ctx)).put("record", done.result().toJson()));
      } else {
        LOG.warn("Console action on {} failed", registration, done.cause());
        fail(ctx, statusOf(done.cause()), String.valueOf(done.cause().getMessage()));
      }
    });
  }

  private static int statusOf(Throwable failure) {
    if (failure instanceof EtcdDiscoveryException known) {
      return switch (known.reason()) {
        case UNKNOWN_REGISTRATION -> 404;
        case READ_ONLY, INVALID_RECORD -> 409;
        default -> 503;
      };
    }
    return 500;
  }

  private static void fail(RoutingContext ctx, int status, String error) {
    ctx.response().setStatusCode(status);
    ctx.json(new JsonObject().put("error", error));
  }
}
