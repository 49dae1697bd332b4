package dev.tenantproxy.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.proxy.testing.TestPki;
import dev.tenantproxy.proxy.upstream.UpstreamCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KubeconfigCommandTest {
  @TempDir Path dir;

  @Test
  void writesAKubeconfigWithTheProxyCaAndTheUsersCertificate() throws Exception {
    TestPki.Issued ca = TestPki.ca(dir, "ca");
    TestPki.Issued alice = TestPki.client(dir, "alice", ca, "alice", List.of("devs"));
    Path out = dir.resolve("alice.kubeconfig");

    int code =
        new CommandLine(new Main())
            .execute(
                "kubeconfig",
                "--server",
                "https://127.0.0.1:8443",
                "--ca-file",
                ca.certFile().toString(),
                "--user",
                "alice",
                "--client-cert-file",
                alice.certFile().toString(),
                "--client-key-file",
                alice.keyFile().toString(),
                "-o",
                out.toString());

    assertThat(code).isZero();
    UpstreamCredentials parsed = UpstreamCredentials.fromKubeconfig(out, null);
    assertThat(parsed.server().toString()).isEqualTo("https://127.0.0.1:8443");
    assertThat(parsed.clientCertPem().toString()).isEqualTo(Files.readString(alice.certFile()));
    assertThat(parsed.caPem().toString()).isEqualTo(Files.readString(ca.certFile()));
  }

  @Test
  void writesAKubeconfigWithAToken() throws Exception {
    TestPki.Issued ca = TestPki.ca(dir, "ca");
    Path token = Files.writeString(dir.resolve("token"), "abc.def\n");
    Path out = dir.resolve("sa.kubeconfig");

    int code =
        new CommandLine(new Main())
            .execute(
                "kubeconfig",
                "--server",
                "https://proxy:8443",
                "--ca-file",
                ca.certFile().toString(),
                "--token-file",
                token.toString(),
                "-o",
                out.toString());

    assertThat(code).isZero();
    assertThat(UpstreamCredentials.fromKubeconfig(out, null).token()).isEqualTo("abc.def");
  }

  @Test
  void serveRefusesABadConfigurationNamingTheFlags() {
    int code = new CommandLine(new Main()).execute("serve", "--secure-port", "99999");

    assertThat(code).isEqualTo(2);
  }
}
