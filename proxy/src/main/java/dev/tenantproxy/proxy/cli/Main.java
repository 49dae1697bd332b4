package dev.tenantproxy.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tenant-proxy}: the command line. */
@Command(
    name = "tenant-proxy",
    mixinStandardHelpOptions = true,
    version = "tenant-proxy 0.1.0",
    description =
        "A tenant-aware proxy in front of the Kubernetes API server for Capsule clusters.",
    subcommands = {
      ServeCommand.class,
      KubeconfigCommand.class,
      RbacSyncCommand.class,
      ExplainCommand.class
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
