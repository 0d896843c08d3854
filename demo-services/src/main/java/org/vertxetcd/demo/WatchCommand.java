package org.vertxetcd.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import org.vertxetcd.discovery.EtcdBackendOptions;
import org.vertxetcd.discovery.EtcdRegistry;

import java.io.PrintStream;

/**
 * {@code watch}: prints the registry, then every change, like {@code etcdctl watch --prefix} but as records:
 * <pre>
 * PRESENT greeter  5f1c2e0a-...  rev 41  http://127.0.0.1:41017/  {"instance":"greeter@127.0.0.1:41017",...}
 * JOIN    greeter  77aa01b3-...  rev 42  http://127.0.0.1:35011/  {...}
 * </pre>
 * With {@code --format json}, one JSON object per line instead (the event format of the event bus).
 */
public final class WatchCommand {

  private WatchCommand() {
  }

  /**
   * @param vertx  the Vert.x instance
   * @param config the options
   * @param out    where to print
   * @return completes when the watch has started
   */
  public static Future<EtcdRegistry> start(Vertx vertx, DemoConfig config, PrintStream out) {
    boolean json = "json".equals(config.get(DemoConfig.FORMAT, "text"));
    EtcdBackendOptions options = new EtcdBackendOptions(config.backendConfig());
    EtcdRegistry registry = EtcdRegistry.create(vertx, options);
    vertx.eventBus().<JsonObject>localConsumer(options.getStateAddress(), message -> out.println(json
      ? message.body().encode() : "# " + message.body().getString("change") + reason(message.body())));
    return registry.subscribe(event -> out.println(json ? event.toJson().encode()
        : line(event.type().name(), event.record(), event.revision())))
      .map(subscription -> {
        if (!json) {
          out.printf("# %d records at revision %d under %s%n", subscription.snapshot().records().size(),
            subscription.snapshot().revision(), options.normalizedPrefix());
        }
        subscription.snapshot().records().forEach(record -> out.println(json
          ? new JsonObject().put("type", "PRESENT").put("record", record.toJson()).encode()
          : line("PRESENT", record, subscription.snapshot().revision())));
        return registry;
      });
  }

  private static String line(String type, Record record, long revision) {
    JsonObject location = record.getLocation();
    String where = location == null ? "-" : location.getString("endpoint", location.encode());
    return String.format("%-7s %-12s %-36s rev %-7d %-8s %s %s", type, record.getName(), record.getRegistration(),
      revision, record.getStatus(), where, record.getMetadata() == null ? "{}" : record.getMetadata().encode());
  }

  private static String reason(JsonObject state) {
    String reason = state.getString("reason");
    return reason == null ? "" : " (" + reason + ")";
  }
}
