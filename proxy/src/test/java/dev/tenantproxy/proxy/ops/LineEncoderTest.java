package dev.tenantproxy.proxy.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.slf4j.event.KeyValuePair;

/**
 * The proxy's log line is logback's pattern line, written faster, with key-value values escaped so
 * that a value cannot forge fields or lines.
 */
class LineEncoderTest {
  private final LoggerContext context = new LoggerContext();

  @Property(tries = 400)
  void withoutCharactersToEscapeALineIsExactlyLogbacksPatternLine(
      @ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long millis,
      @ForAll("levels") Level level,
      @ForAll("names") String logger,
      @ForAll("text") String thread,
      @ForAll("text") String message,
      @ForAll("pairs") List<KeyValuePair> pairs) {
    LoggingEvent event = event(millis, level, logger, thread, message, pairs);

    assertThat(text(fast().encode(event))).isEqualTo(text(logback().encode(event)));
  }

  @Property(tries = 100)
  void anEventWithAThrowableIsLogbacksPatternLineWithItsStackTrace(
      @ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long millis,
      @ForAll("text") String message) {
    LoggingEvent event =
        new LoggingEvent(
            LineEncoderTest.class.getName(),
            context.getLogger("dev.tenantproxy.proxy.server.ProxyVerticle"),
            Level.WARN,
            message,
            new IllegalStateException("broken"),
            null);
    event.setTimeStamp(millis);

    String line = text(fast().encode(event));

    assertThat(line).isEqualTo(text(logback().encode(event)));
    assertThat(line).contains("java.lang.IllegalStateException: broken");
  }

  @Property(tries = 200)
  void aValueCannotForgeAFieldOrALine(@ForAll("hostile") String value) {
    LoggingEvent event =
        event(
            1_700_000_000_123L,
            Level.INFO,
            "tenantproxy.audit",
            "vert.x-eventloop-thread-0",
            "audit",
            List.of(new KeyValuePair("name", value), new KeyValuePair("decision", "denied")));

    String line = text(fast().encode(event));
    String fields = line.substring(line.indexOf(" name="), line.length() - 1);

    assertThat(line.strip()).doesNotContain("\n").doesNotContain("\r");
    // every quote inside the value is escaped: the only unescaped quotes are the four delimiters
    assertThat(fields.replace("\\\\", "").replace("\\\"", "").chars().filter(c -> c == '"'))
        .hasSize(4);
    assertThat(fields).endsWith(" decision=\"denied\"");
  }

  @Property(tries = 1)
  void escapesQuotesBackslashesAndControlCharacters() {
    StringBuilder sb = new StringBuilder();
    LineEncoder.escape(sb, "a\"b\\c\nd\re\tf\u0001g\u007fh é");
    assertThat(sb).hasToString("a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007fh é");
  }

  private LoggingEvent event(
      long millis,
      Level level,
      String logger,
      String thread,
      String message,
      List<KeyValuePair> pairs) {
    LoggingEvent event =
        new LoggingEvent(
            LineEncoderTest.class.getName(), context.getLogger(logger), level, message, null, null);
    event.setTimeStamp(millis);
    event.setThreadName(thread);
    pairs.forEach(event::addKeyValuePair);
    return event;
  }

  private LineEncoder fast() {
    LineEncoder e = new LineEncoder();
    e.setContext(context);
    e.setCharset(StandardCharsets.UTF_8);
    e.start();
    return e;
  }

  private PatternLayoutEncoder logback() {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern(LineEncoder.PATTERN);
    e.setCharset(StandardCharsets.UTF_8);
    e.start();
    return e;
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Provide
  Arbitrary<Level> levels() {
    return Arbitraries.of(Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR);
  }

  @Provide
  Arbitrary<String> names() {
    Arbitrary<String> part =
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
    return part.list().ofMinSize(1).ofMaxSize(7).map(parts -> String.join(".", parts));
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.strings()
        .withCharRange(' ', '~')
        .withChars('é', 'ß', '→')
        .ofMaxLength(40)
        .filter(s -> s.indexOf('"') < 0 && s.indexOf('\\') < 0);
  }

  @Provide
  Arbitrary<List<KeyValuePair>> pairs() {
    Arbitrary<KeyValuePair> pair =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .ofMinLength(1)
            .ofMaxLength(10)
            .flatMap(k -> text().map(v -> new KeyValuePair(k, v)));
    return pair.list().ofMaxSize(10);
  }

  @Provide
  Arbitrary<String> hostile() {
    return Arbitraries.strings()
        .withCharRange('\u0000', '~')
        .withChars('"', '\\', '\n', '\r')
        .ofMaxLength(40);
  }
}
