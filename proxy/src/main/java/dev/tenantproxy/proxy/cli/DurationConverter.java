package dev.tenantproxy.proxy.cli;

import dev.tenantproxy.proxy.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** picocli converter for Go-style durations (30s, 5m, 500ms). */
final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return Durations.parse(value);
  }
}
