package dev.tenantproxy.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A certificate and its key as the kubelet writes a mounted Secret: {@code tls.crt} and {@code
 * tls.key} are links into {@code ..data}, itself a link to a directory of one version; a new
 * version is a new directory and {@code ..data} is switched to it in one rename, so a reader sees
 * either both old files or both new ones.
 */
public final class SecretDir {
  private final Path dir;
  private final AtomicInteger version = new AtomicInteger();

  public SecretDir(Path dir) {
    this.dir = dir;
  }

  public Path certFile() {
    return dir.resolve("tls.crt");
  }

  public Path keyFile() {
    return dir.resolve("tls.key");
  }

  /** Writes a new version with the contents of these files. */
  public SecretDir write(Path certSource, Path keySource) {
    try {
      return write(Files.readAllBytes(certSource), Files.readAllBytes(keySource));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a new version with these contents. */
  public SecretDir write(byte[] cert, byte[] key) {
    try {
      Files.createDirectories(dir);
      String name = "..v" + version.incrementAndGet();
      Path data = dir.resolve(name);
      Files.createDirectory(data);
      Files.write(data.resolve("tls.crt"), cert);
      Files.write(data.resolve("tls.key"), key);
      Path next = dir.resolve("..data_tmp");
      Files.deleteIfExists(next);
      Files.createSymbolicLink(next, Path.of(name));
      Files.move(next, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
      if (!Files.exists(certFile(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(certFile(), Path.of("..data", "tls.crt"));
        Files.createSymbolicLink(keyFile(), Path.of("..data", "tls.key"));
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
