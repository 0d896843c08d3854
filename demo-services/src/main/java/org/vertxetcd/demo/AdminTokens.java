package org.vertxetcd.demo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The tokens that unlock the console's actions, each with a name that the history shows as who acted; the secrets are
 * kept only as SHA-256 digests and never printed. Given as {@code name=secret}, several separated by commas
 * ({@code ops=s3cret,alice=an0ther}); a token without a name is named {@value #DEFAULT_NAME}.
 */
final class AdminTokens {

  /** The name of a token given without one. */
  static final String DEFAULT_NAME = "admin";

  private record Token(String name, byte[] digest) {
  }

  private final List<Token> tokens;

  private AdminTokens(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  /**
   * @param spec {@code name=secret[,name=secret...]}, or blank for none
   * @return the tokens
   * @throws IllegalArgumentException naming the token (never its secret) that has an empty name or secret
   */
  static AdminTokens parse(String spec) {
    List<Token> tokens = new ArrayList<>();
    if (spec != null && !spec.isBlank()) {
      for (String token : spec.split(",")) {
        int equals = token.indexOf('=');
        String name = equals < 0 ? DEFAULT_NAME : token.substring(0, equals).trim();
        String secret = equals < 0 ? token.trim() : token.substring(equals + 1).trim();
        if (name.isEmpty() || secret.isEmpty()) {
          throw new IllegalArgumentException("An admin token needs a name and a secret (name=secret): the token "
            + (tokens.size() + 1) + (name.isEmpty() ? " has no name" : " named '" + name + "' has no secret"));
        }
        tokens.add(new Token(name, digest(secret)));
      }
    }
    return new AdminTokens(tokens);
  }

  /** @return whether any token is configured; without one the console is read-only */
  boolean enabled() {
    return !tokens.isEmpty();
  }

  /**
   * Compares the presented secret with every token in constant time: digests of equal length, compared whole, and
   * every token compared whatever matched, so the time taken tells nothing of the secrets.
   *
   * @param presented the secret a request presents, {@code null} for none
   * @return the name of the token it matches
   */
  Optional<String> nameOf(String presented) {
    if (presented == null) {
      return Optional.empty();
    }
    byte[] digest = digest(presented);
    String matched = null;
    for (Token token : tokens) {
      if (MessageDigest.isEqual(token.digest(), digest)) {
        matched = token.name();
      }
    }
    return Optional.ofNullable(matched);
  }

  private static byte[] digest(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }

  /** @return the token names only */
  @Override
  public String toString() {
    return "AdminTokens" + Arrays.toString(tokens.stream().map(Token::name).toArray());
  }
}
