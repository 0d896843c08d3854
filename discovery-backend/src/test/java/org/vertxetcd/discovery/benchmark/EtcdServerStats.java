package org.vertxetcd.discovery.benchmark;

import org.vertxetcd.launcher.EtcdCluster;
import org.vertxetcd.launcher.EtcdMember;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What etcd's members say about themselves: counters and gauges from their {@code /metrics} (Prometheus text, on the
 * client URL), and what the kernel says about their processes: CPU time from {@code /proc/<pid>/stat}, resident
 * memory from {@code /proc/<pid>/status}. Sums over the members.
 */
final class EtcdServerStats {

  /** Clock ticks per second of {@code /proc/<pid>/stat} times (USER_HZ: 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100;

  /**
   * The members' counters at one moment; two readings give rates over the time between them.
   *
   * @param nanos      when ({@code System.nanoTime})
   * @param keepAlives lease keep-alive requests received so far ({@code grpc_server_msg_received_total} of
   *                   {@code LeaseKeepAlive}). For a node connected directly this equals
   *                   {@code grpc_server_handled_total}, since jetcd's keepAliveOnce opens a stream per request; a
   *                   gRPC proxy keeps its streams open, which only the message count sees
   * @param cpuSeconds CPU seconds used so far
   */
  record Reading(long nanos, double keepAlives, double cpuSeconds) {

    /** @return the seconds from {@code earlier} to this reading */
    double secondsSince(Reading earlier) {
      return (nanos - earlier.nanos) / 1e9;
    }

    /** @return keep-alive requests per second from {@code earlier} to this reading */
    double keepAlivesPerSecondSince(Reading earlier) {
      return (keepAlives - earlier.keepAlives) / secondsSince(earlier);
    }

    /** @return cores busy on average from {@code earlier} to this reading */
    double coresSince(Reading earlier) {
      return (cpuSeconds - earlier.cpuSeconds) / secondsSince(earlier);
    }
  }

  private final List<EtcdMember> members;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  EtcdServerStats(EtcdCluster cluster) {
    this.members = cluster.members();
  }

  /**
   * @param name   a metric's name, e.g. {@code grpc_server_handled_total}
   * @param labels text every series counted must hold, e.g. {@code grpc_method="LeaseKeepAlive"}; none for all
   * @return the sum of its series over every member
   */
  double sum(String name, String... labels) {
    return members.stream().mapToDouble(member -> sumOf(scrape(member.clientUrl()), name, labels)).sum();
  }

  /**
   * @param url a member's client URL
   * @param name a metric's name
   * @param labels text every series counted must hold
   * @return the sum of its series at that member
   */
  double sumAt(String url, String name, String... labels) {
    return sumOf(scrape(url), name, labels);
  }

  /** @return the members' counters now */
  Reading read() {
    return new Reading(System.nanoTime(), sum("grpc_server_msg_received_total", "grpc_method=\"LeaseKeepAlive\""),
      cpuSeconds());
  }

  /** @return the CPU seconds (user and system) the members have used so far */
  double cpuSeconds() {
    return members.stream().mapToDouble(member -> cpuSeconds(member.pid())).sum();
  }

  /** @return the resident memory of the members, in bytes */
  long residentBytes() {
    return members.stream().mapToLong(member -> residentBytes(member.pid())).sum();
  }

  private static double sumOf(String metrics, String name, String... labels) {
    return metrics.lines()
      .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
      .filter(line -> List.of(labels).stream().allMatch(line::contains))
      .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
      .sum();
  }

  private String scrape(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the metrics of " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted reading the metrics of " + url, e);
    }
  }

  /**
   * @param pid a process id
   * @return its user and system CPU seconds so far ({@code utime} and {@code stime}, fields 14 and 15)
   */
  static double cpuSeconds(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  /**
   * @param pid a process id
   * @return its resident memory ({@code VmRSS}), in bytes
   */
  static long residentBytes(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "status")).lines()
      .filter(line -> line.startsWith("VmRSS:"))
      .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024)
      .findFirst().orElseThrow(() -> new IllegalStateException("no VmRSS for process " + pid));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }
}
