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
import java.util.function.BooleanSupplier;

/**
 * A TCP proxy on loopback in front of one port (an etcd member's client URL, say), able to cut the network the way a
 * partition does: bytes stop flowing in both directions, connections stay open without an answer, new connections
 * are not served. Healing lets everything flow again.
 */
public final class FaultProxy implements AutoCloseable {

  /**
   * Who opened each connection, and whether that party is cut off: how the peer proxies of a partitionable
   * {@link EtcdCluster} also cut the connections an isolated member opens to the others.
   */
  interface ConnectionOrigins {

    /** Every connection has an unknown origin that is never cut off. */
    ConnectionOrigins NONE = new ConnectionOrigins() {
      @Override
      public int originOf(Socket accepted) {
        return UNKNOWN_ORIGIN;
      }

      @Override
      public boolean isCutOff(int origin) {
        return false;
      }
    };

    /**
     * @param accepted the proxy's side of a new connection
     * @return who opened it, or {@link #UNKNOWN_ORIGIN}
     */
    int originOf(Socket accepted);

    /**
     * @param origin what {@link #originOf} said of a connection
     * @return whether that connection is cut now
     */
    boolean isCutOff(int origin);
  }

  /** The origin of a connection nobody could tell the opener of. */
  static final int UNKNOWN_ORIGIN = -1;

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
  private static final long GATE_POLL_MILLIS = 100;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final ConnectionOrigins origins;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean cut;
  private volatile boolean closed;

  /**
   * @param targetPort the loopback port to forward to
   * @throws IOException when no port is free
   */
  public FaultProxy(int targetPort) throws IOException {
    this(targetPort, ConnectionOrigins.NONE);
  }

  /**
   * @param targetPort the loopback port to forward to
   * @param origins    tells who opened each connection and whether that party is cut off, besides {@link #cut()}
   * @throws IOException when no port is free
   */
  FaultProxy(int targetPort, ConnectionOrigins origins) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.origins = origins;
    // A backlog of one: while cut, further connection attempts hang like packets into a partition.
    this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "fault-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** @return the URL clients use instead of the target's */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** @return the loopback port the proxy listens on */
  public int port() {
    return server.getLocalPort();
  }

  /** @return whether the proxy still listens (it stops for good on {@link #close()}) */
  boolean isListening() {
    return !server.isClosed();
  }

  /** Cuts the network: nothing flows, nothing new is served, nothing is closed. */
  public void cut() {
    cut = true;
  }

  /** Cuts the network and closes every connection at once, as a peer reset does. */
  public void cutAndReset() {
    cut();
    links.forEach(Link::close);
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

  /** Closes the connections whose origin is cut off now, as a peer reset does; later ones are held. */
  void resetCutOffOrigins() {
    links.stream().filter(link -> origins.isCutOff(link.origin)).forEach(Link::close);
  }

  /** Lets held bytes flow again where their origin is no longer cut off. */
  void wake() {
    synchronized (gate) {
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        awaitWhile(() -> cut);
        Socket client = server.accept();
        Socket upstream = new Socket();
        try {
          upstream.connect(target, 2_000);
        } catch (IOException e) {
          LOG.debug("Fault proxy {}: the target refused a connection, closing the client's", url(), e);
          closeQuietly(client);
          continue;
        }
        Link link = new Link(client, upstream, origins.originOf(client));
        links.add(link);
        pump(link, client, upstream);
        pump(link, upstream, client);
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("Fault proxy {} could not accept a connection", url(), e);
        }
      }
    }
  }

  private void pump(Link link, Socket from, Socket to) {
    Thread pump = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int read;
        while (!closed && (read = in.read(buffer)) >= 0) {
          // Bytes read while cut are held, not dropped: TCP would retransmit them after the partition heals.
          awaitWhile(() -> cut || origins.isCutOff(link.origin));
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        LOG.debug("Fault proxy {}: a connection ended (reset by the proxy, or by either side)", url(), e);
      } finally {
        link.close();
      }
    }, "fault-proxy-pump");
    pump.setDaemon(true);
    pump.start();
  }

  private void awaitWhile(BooleanSupplier blocked) {
    synchronized (gate) {
      while (blocked.getAsBoolean() && !closed) {
        try {
          // Polled as well as notified: an origin can be cut off or let through without telling this proxy.
          gate.wait(GATE_POLL_MILLIS);
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
    links.forEach(Link::close);
  }

  /** One proxied connection: the client's socket, the one to the target, and who opened it. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;
    private final int origin;

    Link(Socket client, Socket upstream, int origin) {
      this.client = client;
      this.upstream = upstream;
      this.origin = origin;
    }

    void close() {
      closeQuietly(client);
      closeQuietly(upstream);
      links.remove(this);
    }
  }
}
