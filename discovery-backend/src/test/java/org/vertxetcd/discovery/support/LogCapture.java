package org.vertxetcd.discovery.support;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures what the tests' logger (slf4j-simple, which writes to {@code System.err}) prints, while still printing
 * it. Close it to stop capturing.
 */
public final class LogCapture implements AutoCloseable {

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private LogCapture() {
    System.setErr(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (captured) {
          captured.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        synchronized (captured) {
          captured.write(bytes, offset, length);
        }
        original.write(bytes, offset, length);
      }
    }, true, StandardCharsets.UTF_8));
  }

  /** @return a capture, started */
  public static LogCapture start() {
    return new LogCapture();
  }

  /**
   * @param fragment text a line must contain
   * @return the captured lines containing it
   */
  public List<String> lines(String fragment) {
    String text;
    synchronized (captured) {
      text = captured.toString(StandardCharsets.UTF_8);
    }
    return Arrays.stream(text.split("\n")).filter(line -> line.contains(fragment)).collect(Collectors.toList());
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
