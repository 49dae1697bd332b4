package dev.tenantproxy.proxy.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.Appender;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchingConsoleAppenderTest {
  private final LoggerContext context = new LoggerContext();

  {
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  /** A stream the test reads while the writer thread writes to it. */
  private static final class Sink extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  private BatchingConsoleAppender appender(OutputStream out, int queueSize) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg %kvp%n");
    encoder.start();
    BatchingConsoleAppender a = new BatchingConsoleAppender();
    a.setContext(context);
    a.setName("test");
    a.setEncoder(encoder);
    a.setQueueSize(queueSize);
    a.setOutput(new PrintStream(out, false, StandardCharsets.UTF_8));
    a.start();
    Logger logger = context.getLogger("tenantproxy.audit");
    logger.setAdditive(false);
    logger.addAppender(a);
    return a;
  }

  private static List<String> lines(int n) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add("audit user=\"u" + i + "\"");
    }
    return expected;
  }

  @Test
  void everyLineIsWrittenInTheOrderItWasLoggedWithItsKeyValuePairs() {
    Sink sink = new Sink();
    appender(sink, 8192);
    org.slf4j.Logger audit = context.getLogger("tenantproxy.audit");
    for (int i = 0; i < 5000; i++) {
      audit.atInfo().addKeyValue("user", "u" + i).log("audit");
    }
    List<String> expected = lines(5000);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> sink.text().lines().count() >= expected.size());
    assertThat(sink.text().lines().toList()).isEqualTo(expected);
  }

  @Test
  void aLineLoggedAfterTheWriterWentToSleepIsStillWritten() {
    Sink sink = new Sink();
    BatchingConsoleAppender a = appender(sink, 8192);
    org.slf4j.Logger audit = context.getLogger("tenantproxy.audit");
    audit.info("first");
    await().atMost(Duration.ofSeconds(30)).until(() -> sink.text().equals("first \n"));
    // after 50 empty polls the writer sleeps until a logging thread wakes it
    await().atMost(Duration.ofSeconds(30)).until(a::sleeping);
    audit.info("second");
    await().atMost(Duration.ofSeconds(30)).until(() -> sink.text().equals("first \nsecond \n"));
  }

  @Test
  void whenTheQueueIsFullALineIsDroppedWithoutBlockingAndTheDropIsReported() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Sink sink = new Sink();
    OutputStream blocking =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            entered.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            sink.write(b, off, len);
          }
        };
    BatchingConsoleAppender a = appender(blocking, 2);
    org.slf4j.Logger audit = context.getLogger("tenantproxy.audit");
    audit.info("taken");
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue(); // the writer is stuck writing it
    for (int i = 0; i < 5; i++) {
      audit.info("queued-" + i); // returns at once: 2 fit in the queue, 3 are dropped
    }
    assertThat(a.dropped()).isEqualTo(3);
    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> sink.text().contains("3 log lines dropped"));
    assertThat(sink.text())
        .startsWith("taken \nqueued-0 \nqueued-1 \n")
        .contains("log queue full (2): 3 log lines dropped")
        .doesNotContain("queued-2");
  }

  @Test
  void stopWritesEveryQueuedLineBeforeReturning() {
    Sink sink = new Sink();
    BatchingConsoleAppender a = appender(sink, 8192);
    org.slf4j.Logger audit = context.getLogger("tenantproxy.audit");
    for (int i = 0; i < 1000; i++) {
      audit.atInfo().addKeyValue("user", "u" + i).log("audit");
    }
    a.stop();
    assertThat(sink.text().lines().toList()).isEqualTo(lines(1000));
    assertThat(a.isStarted()).isFalse();
  }

  @Test
  void theProxysLogbackConfigurationWritesThroughThisAppender() throws Exception {
    URL config = BatchingConsoleAppender.class.getResource("/logback.xml");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(config);
    Appender<?> root = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
    assertThat(root).isInstanceOf(BatchingConsoleAppender.class);
    assertThat(root.isStarted()).isTrue();
  }
}
