package org.vertxetcd.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Demo greeters, each in a JVM of its own as a user starts them, all stopped on {@link #close()}.
 */
final class Greeters implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("greeter (\\S+) listening on");

  private final List<String> options;
  private final Map<String, DemoProcess> byInstance = new LinkedHashMap<>();

  /**
   * @param options the greeters' options ({@code --endpoints ... --prefix ...})
   */
  Greeters(String... options) {
    this.options = List.of(options);
  }

  /**
   * @param name a name for its output
   * @return its instance, {@code greeter@host:port}, once it has registered
   */
  String start(String name) throws Exception {
    List<String> args = new ArrayList<>(List.of("greeter", "--port", "0"));
    args.addAll(options);
    DemoProcess greeter = DemoProcess.start(name, args.toArray(String[]::new));
    try {
      String instance = greeter.awaitLine(LISTENING, Duration.ofSeconds(30));
      byInstance.put(instance, greeter);
      return instance;
    } catch (RuntimeException | Error e) {
      greeter.close();
      throw e;
    }
  }

  /**
   * @param instance an instance started here
   * @return its process
   */
  DemoProcess process(String instance) {
    return byInstance.get(instance);
  }

  /**
   * @param instance {@code greeter@host:port}
   * @return its port
   */
  static int portOf(String instance) {
    return Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
  }

  @Override
  public void close() {
    byInstance.values().forEach(DemoProcess::close);
  }
}
