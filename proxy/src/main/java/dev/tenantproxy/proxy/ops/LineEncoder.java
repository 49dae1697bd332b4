package dev.tenantproxy.proxy.ops;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.event.KeyValuePair;

/**
 * The proxy's log line ({@code logback.xml}), written without logback's pattern machinery: {@value
 * #PATTERN} as a {@link PatternLayoutEncoder} writes it, except that key-value values are escaped
 * (below). One audit line per request goes through here, so its cost is part of every request's.
 *
 * <p>DESIGN. Under L2 the log writer thread took about a tenth of the event loops' CPU, a third of
 * it in the pattern's converters: a date formatter cached per millisecond (so missed at every new
 * millisecond), the padding and abbreviating converters, and the key-value converter building a
 * string per line. Here the date is formatted once per second and only the milliseconds per line,
 * the logger's abbreviation is kept per logger, and the line is built in one pass. An event with a
 * throwable (rare: the stack trace's lines; never an audit line) goes to a {@link
 * PatternLayoutEncoder} with the same pattern, which does not escape key-value values. That encoder
 * also fixes what "the same" means: {@code LineEncoderTest} compares the two.
 *
 * <p>Key-value values are written between double quotes, as logback does, but a {@code "}, a
 * backslash or a control character in a value is escaped ({@code \"}, {@code \\}, {@code \n},
 * {@code \r}, {@code \t}, any other control character as JSON escapes it). logback writes them as
 * they are, so a request path or an impersonated user name carrying {@code " decision="allowed}
 * could forge fields of its own audit line, or a line break a whole line.
 */
public final class LineEncoder extends EncoderBase<ILoggingEvent> {
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{30} - %msg %kvp%n";

  private static final DateTimeFormatter SECOND =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.");
  private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("XXX");

  private final TargetLengthBasedClassNameAbbreviator abbreviator =
      new TargetLengthBasedClassNameAbbreviator(30);
  private final Map<String, String> loggers = new ConcurrentHashMap<>();
  private final PatternLayoutEncoder fallback = new PatternLayoutEncoder();
  private ZoneId zone = ZoneId.systemDefault();
  private Charset charset = Charset.defaultCharset();
  private volatile Second second = new Second(Long.MIN_VALUE, "", "");

  /** A second's formatted date and time up to the dot, and the zone's offset then. */
  private record Second(long epochSecond, String prefix, String offset) {}

  /** The zone of the timestamps (tests); the system's by default, as logback's. */
  void setZone(ZoneId zone) {
    this.zone = zone;
    this.second = new Second(Long.MIN_VALUE, "", "");
  }

  /** The charset of the bytes; the JVM's default, as logback's encoder without one. */
  public void setCharset(Charset charset) {
    this.charset = charset;
  }

  @Override
  public void start() {
    fallback.setContext(getContext());
    fallback.setPattern(PATTERN);
    fallback.setCharset(charset);
    fallback.start();
    super.start();
  }

  @Override
  public void stop() {
    fallback.stop();
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    if (event.getThrowableProxy() != null) {
      return fallback.encode(event);
    }
    StringBuilder sb = new StringBuilder(256);
    timestamp(sb, event.getTimeStamp());
    String level = event.getLevel().toString();
    sb.append(' ').append(level);
    for (int i = level.length(); i < 5; i++) {
      sb.append(' ');
    }
    sb.append(" [").append(event.getThreadName()).append("] ");
    String logger = event.getLoggerName();
    sb.append(loggers.computeIfAbsent(logger, abbreviator::abbreviate));
    sb.append(" - ").append(event.getFormattedMessage()).append(' ');
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (int i = 0; i < pairs.size(); i++) {
        KeyValuePair kvp = pairs.get(i);
        if (i != 0) {
          sb.append(' ');
        }
        sb.append(kvp.key).append("=\"");
        escape(sb, String.valueOf(kvp.value));
        sb.append('"');
      }
    }
    sb.append(CoreConstants.LINE_SEPARATOR);
    return sb.toString().getBytes(charset);
  }

  private void timestamp(StringBuilder sb, long millis) {
    long epochSecond = Math.floorDiv(millis, 1000);
    Second s = second;
    if (s.epochSecond() != epochSecond) {
      ZonedDateTime t = Instant.ofEpochSecond(epochSecond).atZone(zone);
      s = new Second(epochSecond, SECOND.format(t), OFFSET.format(t));
      second = s;
    }
    int ms = Math.floorMod(millis, 1000);
    sb.append(s.prefix());
    sb.append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10));
    sb.append((char) ('0' + ms % 10));
    sb.append(s.offset());
  }

  static void escape(StringBuilder sb, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else {
            sb.append(c);
          }
        }
      }
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();
}
