package org.vertxetcd.discovery.support;

import java.lang.management.ManagementFactory;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Starting a test's class in a JVM of its own (this JVM's class path), and measuring heap there.
 */
public final class ChildJvm {

  private ChildJvm() {
  }

  /**
   * @param main       the class whose {@code main} runs
   * @param jvmOptions options for the JVM, e.g. {@code -Xmx256m}
   * @param args       the arguments of {@code main}
   * @return a process builder for it, standard error inherited
   */
  public static ProcessBuilder builder(Class<?> main, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
  }

  /**
   * @return the heap in use after full collections, in bytes (meaningful in a JVM with a serial collector and
   *     nothing else running)
   * @throws InterruptedException when interrupted between collections
   */
  public static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
