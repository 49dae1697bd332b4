package dev.tenantproxy.filters.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link VisibilityBenchmark} briefly (1 fork, 5×1 s warm-up, 5×2 s measurement):
 *
 * <pre>
 * ./mvnw -q -pl filters test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java \
 *   -Dexec.args="-cp %classpath dev.tenantproxy.filters.bench.VisibilityBenchmarks"
 * </pre>
 */
public final class VisibilityBenchmarks {
  private VisibilityBenchmarks() {}

  public static void main(String[] args) throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include(VisibilityBenchmark.class.getName())
            .forks(1)
            .warmupIterations(5)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(5)
            .measurementTime(TimeValue.seconds(2))
            .build();
    new Runner(options).run();
  }
}
