package org.vertxetcd.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One etcd process of an {@link EtcdCluster}: its URLs, its data directory, and the ways a test breaks it (kill,
 * pause, stop, isolate from its peers) and brings it back (resume, start on the same data, reconnect).
 * <p>
 * The process is a {@link WatchedProcess}: it dies with the JVM that started it. Methods block; do not call them on
 * an event loop.
 */
public final class EtcdMember {


  private final EtcdCluster cluster;
  private final int index;
  private final String name;
  private final int clientPort;
  private final int peerPort;
  private final Path dataDir;
  private final Path logFile;
  private Process process;

  EtcdMember(EtcdCluster cluster, int index, int clientPort, int peerPort, Path dataDir, Path logFile) {
    this.cluster = cluster;
    this.index = index;
    this.name = "member-" + index;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.dataDir = dataDir;
    this.logFile = logFile;
  }

  /** @return the position of this member in its cluster, from 0 */
  public int index() {
    return index;
  }

  /** @return the member's name in the cluster */
  public String name() {
    return name;
  }

  /** @return the client URL, e.g. {@code http://127.0.0.1:23790} */
  public String clientUrl() {
    return cluster.scheme() + "://127.0.0.1:" + clientPort;
  }

  /** @return the client port */
  public int clientPort() {
    return clientPort;
  }

  /**
   * @return the peer URL the other members dial; in a {@linkplain EtcdCluster.Builder#partitionable() partitionable}
   *         cluster that of the proxy in front of {@link #listenPeerUrl()}
   */
  public String peerUrl() {
    return "http://127.0.0.1:" + cluster.advertisedPeerPort(this);
  }

  /** @return the peer URL the process listens on: {@link #peerUrl()} unless the cluster is partitionable */
  public String listenPeerUrl() {
    return "http://127.0.0.1:" + peerPort;
  }

  /** @return the port the process listens on for its peers */
  int listenPeerPort() {
    return peerPort;
  }

  /** @return the member's data directory */
  public Path dataDir() {
    return dataDir;
  }

  /** @return the file the process writes its log to */
  public Path logFile() {
    return logFile;
  }

  /** @return the operating-system process id, or -1 when not running */
  public synchronized long pid() {
    return isRunning() ? process.pid() : -1;
  }

  /** @return whether the process is alive (running or paused) */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts the process; on existing data it rejoins with that data (its cluster flags are then ignored by etcd).
   * Returns once the process runs, without waiting for it to serve: see {@link EtcdCluster#awaitHealthy}.
   *
   * @throws IOException when the process cannot be started
   */
  public synchronized void start() throws IOException {
    if (isRunning()) {
      return;
    }
    Files.createDirectories(dataDir.getParent());
    List<String> command = new ArrayList<>(List.of(cluster.binary()));
    command.addAll(cluster.memberArguments(this));
    process = WatchedProcess.start(command, logFile);
  }

  /** Sends SIGKILL and waits for the process to end: a crash, with no chance to clean up. */
  public void kill() {
    signal("KILL");
    awaitExit();
  }

  /** Sends SIGTERM and waits for the process to end: a graceful shutdown. */
  public void stop() {
    signal("TERM");
    awaitExit();
  }

  /** Sends SIGSTOP: the process freezes, its connections stay open but nothing answers. */
  public void pause() {
    signal("STOP");
  }

  /** Sends SIGCONT to a paused process. */
  public void resume() {
    signal("CONT");
  }

  /**
   * Cuts this member off from the other members, in both directions, as a network partition does: connections
   * between them are reset and new ones hang. Clients still reach it on its client URL, where it answers without a
   * leader (writes and linearizable reads fail or time out) while the others keep their quorum. The process itself
   * is untouched: kill, pause, restart and {@link #reconnect()} work as usual.
   *
   * @throws IllegalStateException unless the cluster was built {@linkplain EtcdCluster.Builder#partitionable()
   *                               partitionable}
   */
  public void isolate() {
    cluster.peerNetwork().isolate(index);
  }

  /**
   * Connects an {@linkplain #isolate() isolated} member to the others again; it catches up with what they wrote
   * meanwhile. Does nothing for a member that is not isolated.
   *
   * @throws IllegalStateException unless the cluster was built {@linkplain EtcdCluster.Builder#partitionable()
   *                               partitionable}
   */
  public void reconnect() {
    cluster.peerNetwork().reconnect(index);
  }

  /** @return whether the member is {@linkplain #isolate() isolated} from the others */
  public boolean isIsolated() {
    return cluster.isPartitionable() && cluster.peerNetwork().isIsolated(index);
  }

  /**
   * Stops the process if it runs, then starts it again on the same data.
   *
   * @throws IOException when it cannot be started
   */
  public void restart() throws IOException {
    stop();
    start();
  }

  /**
   * @return what the member says of itself: its id, the leader it follows, its Raft term
   * @throws IllegalStateException when it does not answer (stopped, paused)
   */
  public MemberStatus status() {
    return MemberStatus.parse(cluster.etcdctlAt(List.of(clientUrl()), "endpoint", "status", "-w", "fields"));
  }

  /** @return the last lines of the process's log, for error messages */
  public String logTail() {
    return WatchedProcess.logTail(logFile);
  }

  private void signal(String signal) {
    long pid;
    synchronized (this) {
      if (!isRunning()) {
        return;
      }
      pid = process.pid();
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
      }
    } catch (IOException e) {
      throw new IllegalStateException("Could not send SIG" + signal + " to etcd member " + name + " (pid " + pid
        + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitExit() {
    Process running;
    synchronized (this) {
      running = process;
    }
    if (running == null) {
      return;
    }
    try {
      if (!running.waitFor(30, TimeUnit.SECONDS)) {
        running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeWatchdog(running);
    }
  }

  /** Closing the watchdog's pipe ends the watchdog (and would kill the process if it still ran). */
  private static void closeWatchdog(Process running) {
    WatchedProcess.releaseEnded(running);
  }

  /** Kills the process at once; used when the cluster closes. */
  synchronized void destroy() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeWatchdog(process);
    }
  }

  @Override
  public String toString() {
    return name + " (" + clientUrl() + ")";
  }
}
