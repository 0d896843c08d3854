package org.vertxetcd.discovery.support;

import org.vertxetcd.launcher.EtcdMember;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What an etcd member says about itself on its Prometheus endpoint ({@code /metrics}): how many watch streams it
 * serves, how many streams of a gRPC method are open.
 */
public final class MemberMetrics {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String text;

  private MemberMetrics(String text) {
    this.text = text;
  }

  /**
   * @param member a running member
   * @return its metrics now
   * @throws IOException          when it does not answer
   * @throws InterruptedException when interrupted while waiting for it
   */
  public static MemberMetrics of(EtcdMember member) throws IOException, InterruptedException {
    HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(member.clientUrl() + "/metrics"))
      .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return new MemberMetrics(metrics.body());
  }

  /**
   * @param metric a metric name, e.g. {@code etcd_debugging_mvcc_watch_stream_total}
   * @param labels text its labels must contain, e.g. {@code grpc_method="LeaseKeepAlive"}; empty for any
   * @return the sum of its samples with such labels
   */
  public long sum(String metric, String labels) {
    return text.lines()
      .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
      .filter(line -> line.contains(labels))
      .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
      .sum();
  }

  /** @return the gRPC streams of etcd's LeaseKeepAlive method that are open: started and not yet handled */
  public long openKeepAliveStreams() {
    String keepAlive = "grpc_method=\"LeaseKeepAlive\"";
    return sum("grpc_server_started_total", keepAlive) - sum("grpc_server_handled_total", keepAlive);
  }

  /** @return the watch streams the member serves */
  public long watchStreams() {
    return sum("etcd_debugging_mvcc_watch_stream_total", "");
  }
}
