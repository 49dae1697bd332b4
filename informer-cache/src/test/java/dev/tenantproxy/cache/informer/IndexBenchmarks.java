package dev.tenantproxy.cache.informer;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Prints the index memory table, then runs {@link IndexApplyBenchmark} briefly (1 fork, 5×1 s
 * warm-up, 5×2 s measurement):
 *
 * <pre>
 * ./mvnw -q -pl informer-cache test-compile exec:exec -Dexec.classpathScope=test \
 *   -Dexec.executable=java \
 *   -Dexec.args="-Xmx1g -cp %classpath dev.tenantproxy.cache.informer.IndexBenchmarks"
 * </pre>
 */
public final class IndexBenchmarks {
  private IndexBenchmarks() {}

  public static void main(String[] args) throws RunnerException {
    System.out.println("Index memory (used heap after GC, difference):");
    System.out.print(IndexMemory.measure());
    if (args.length > 0 && args[0].equals("--memory-only")) {
      return;
    }
    Options options =
        new OptionsBuilder()
            .include(IndexApplyBenchmark.class.getName())
            .forks(1)
            .warmupIterations(5)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(5)
            .measurementTime(TimeValue.seconds(2))
            .build();
    new Runner(options).run();
  }
}
