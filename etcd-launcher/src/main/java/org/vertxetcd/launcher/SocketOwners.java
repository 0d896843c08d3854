package org.vertxetcd.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Which process opened a loopback TCP connection, read from Linux's {@code /proc}: the kernel's socket tables give the
 * inode of the connection's far end, and a process's {@code fd} directory shows whether it holds that inode. etcd
 * members all dial from 127.0.0.1, so nothing on the wire tells one member's connection from another's.
 */
final class SocketOwners {

  private static final Logger LOG = LoggerFactory.getLogger(SocketOwners.class);
  private static final List<Path> SOCKET_TABLES = List.of(Paths.get("/proc/net/tcp"), Paths.get("/proc/net/tcp6"));
  private static final int LOCAL_ADDRESS = 1;
  private static final int REMOTE_ADDRESS = 2;
  private static final int INODE = 9;

  private SocketOwners() {
  }

  /**
   * @param accepted a server's side of a loopback connection
   * @return the inode of the socket at the other end (the one the dialing process holds), if it still exists
   * @throws IOException when the socket tables cannot be read
   */
  static OptionalLong dialerInode(Socket accepted) throws IOException {
    String dialerPort = hexPort(accepted.getPort());
    String serverPort = hexPort(accepted.getLocalPort());
    for (Path table : SOCKET_TABLES) {
      if (!Files.isReadable(table)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(table)) {
        OptionalLong inode = lines.skip(1).map(line -> line.trim().split("\\s+"))
          .filter(fields -> fields.length > INODE && port(fields[LOCAL_ADDRESS]).equals(dialerPort)
            && port(fields[REMOTE_ADDRESS]).equals(serverPort))
          .mapToLong(fields -> Long.parseLong(fields[INODE]))
          .findFirst();
        if (inode.isPresent()) {
          return inode;
        }
      }
    }
    return OptionalLong.empty();
  }

  /**
   * @param pid   a process id
   * @param inode a socket's inode
   * @return whether that process holds that socket (false when it has ended)
   */
  static boolean holds(long pid, long inode) {
    String socket = "socket:[" + inode + "]";
    try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd"))) {
      return fds.anyMatch(fd -> socket.equals(linkTarget(fd)));
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("Process {} cannot be asked for socket {}: it ended, or closed descriptors while they were listed",
        pid, inode, e);
      return false;
    }
  }

  private static String linkTarget(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString();
    } catch (IOException e) {
      LOG.debug("File descriptor {} closed between listing and reading: not the socket looked for", fd, e);
      return "";
    }
  }

  private static String port(String address) {
    return address.substring(address.indexOf(':') + 1);
  }

  private static String hexPort(int port) {
    return String.format("%04X", port);
  }
}
