package org.vertxetcd.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback between one client and one etcd member, able to cut the network the way a partition does:
 * bytes stop flowing in both directions, connections stay open without an answer, new connections are not served.
 * Healing lets everything flow again.
 */
public final class FaultProxy implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean cut;
  private volatile boolean closed;

  /**
   * @param targetPort the loopback port of the etcd member
   * @throws IOException when no port is free
   */
  public FaultProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    // A backlog of one: while cut, further connection attempts hang like packets into a partition.
    this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "fault-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** @return the URL clients use instead of the member's */
  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Cuts the network: nothing flows, nothing new is served, nothing is closed. */
  public void cut() {
    cut = true;
  }

  /** Cuts the network and closes every connection at once, as a peer reset does. */
  public void cutAndReset() {
    cut();
    sockets.forEach(FaultProxy::closeQuietly);
    sockets.clear();
  }

  /** Lets everything flow again. */
  public void heal() {
    synchronized (gate) {
      cut = false;
      gate.notifyAll();
    }
  }

  /** @return whether the network is cut */
  public boolean isCut() {
    return cut;
  }

  private void accept() {
    while (!closed) {
      try {
        awaitHealed();
        Socket client = server.accept();
        Socket upstream = new Socket();
        try {
          upstream.connect(target, 2_000);
        } catch (IOException e) {
          closeQuietly(client);
          continue;
        }
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("Fault proxy {} could not accept a connection", url(), e);
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread pump = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int read;
        while (!closed && (read = in.read(buffer)) >= 0) {
          // Bytes read while cut are held, not dropped: TCP would retransmit them after the partition heals.
          awaitHealed();
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        LOG.debug("Fault proxy {}: a connection ended (reset by the proxy, or by either side)", url(), e);
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "fault-proxy-pump");
    pump.setDaemon(true);
    pump.start();
  }

  private void awaitHealed() {
    synchronized (gate) {
      while (cut && !closed) {
        try {
          gate.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      LOG.warn("Fault proxy: closing a socket failed", e);
    }
  }

  /** Stops serving and closes every connection. */
  @Override
  public void close() {
    closed = true;
    heal();
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("Fault proxy {}: closing the listener failed", url(), e);
    }
    sockets.forEach(FaultProxy::closeQuietly);
  }
}
