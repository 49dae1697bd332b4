package dev.tenantproxy.filters.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonFuzzTest {
  private static final byte[] LIST =
      ("{\"kind\":\"NamespaceList\",\"metadata\":{\"remainingItemCount\":1},\"items\":["
              + "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\"}}},{\"metadata\":{\"name\":\"b\"}}]}")
          .getBytes(UTF_8);
  private static final byte[] TABLE =
      ("{\"kind\":\"Table\",\"metadata\":{},\"columnDefinitions\":[],\"rows\":[{\"cells\":[\"a\"],"
              + "\"object\":{\"metadata\":{\"name\":\"a\"}}}]}")
          .getBytes(UTF_8);
  private static final byte[] WATCH =
      ("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Table\",\"columnDefinitions\":[{\"name\":\"N\"}],"
              + "\"rows\":[{\"cells\":[\"b\"]}]}}\n{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n")
          .getBytes(UTF_8);

  private static byte[] mutate(byte[] in, Random random) {
    byte[] b = Arrays.copyOf(in, in.length);
    switch (random.nextInt(4)) {
      case 0 -> {
        return Arrays.copyOf(b, random.nextInt(b.length + 1));
      }
      case 1 -> {
        for (int i = random.nextInt(4); i >= 0; i--) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
        return b;
      }
      case 2 -> {
        for (int i = random.nextInt(4); i >= 0; i--) {
          b[random.nextInt(b.length)] = (byte) "{}[]\",:0 \n\\".charAt(random.nextInt(11));
        }
        return b;
      }
      default -> {
        byte[] r = new byte[random.nextInt(40)];
        random.nextBytes(r);
        return r;
      }
    }
  }

  @Test
  void mutatedListsAndTablesOnlyEverFailWithBadRequest() {
    Random random = new Random(11);
    for (int i = 0; i < 2_000; i++) {
      byte[] list = mutate(LIST, random);
      byte[] table = mutate(TABLE, random);
      try {
        ListFilter.keeping(m -> m.name().equals("a")).withContinue("t").filter(list);
      } catch (KubeStatusException e) {
        assertThat(e.code()).isEqualTo(400);
      }
      try {
        TableFilter.keeping(r -> r.name().equals("a")).filter(table);
      } catch (KubeStatusException e) {
        assertThat(e.code()).isEqualTo(400);
      }
    }
  }

  @Test
  void mutatedWatchStreamsOnlyEverFailWithBadRequest() {
    Random random = new Random(13);
    for (int i = 0; i < 2_000; i++) {
      byte[] in = mutate(WATCH, random);
      WatchFilter f = WatchFilter.create(m -> m.name().equals("a"), 1 << 16);
      try {
        int pos = 0;
        while (pos < in.length) {
          int n = Math.min(in.length - pos, 1 + random.nextInt(16));
          f.feed(in, pos, n);
          pos += n;
        }
        f.end();
      } catch (KubeStatusException e) {
        assertThat(e.code()).isEqualTo(400);
      }
    }
  }
}
