package dev.tenantproxy.proxy.serve.allnamespaces;

import dev.tenantproxy.filters.status.KubeStatusException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One all-namespaces list, merged from per-namespace lists made as the caller. Confined to the
 * request's event loop (every callback of the upstream requests runs there). See the package DESIGN
 * note for the algorithm; in short:
 *
 * <ul>
 *   <li>namespaces are read in sorted order; the first answer fixes the resourceVersion {@code N}
 *       and every other namespace is read at {@code resourceVersion=N&resourceVersionMatch=Exact}
 *       (one etcd revision: one consistent snapshot), at most {@code concurrency} at a time;
 *   <li>answers are consumed in namespace order; with {@code limit}, a namespace that returned more
 *       items than still fit is asked again with the smaller limit, and the page ends at an
 *       upstream {@code continue} or when the limit is reached, with a {@link MergeToken};
 *   <li>403 leaves the namespace out (named in a {@code Warning} header), 404 (deleted meanwhile)
 *       leaves it out silently, any other answer ends the list with that answer.
 * </ul>
 */
final class MergedList {

  /** One namespace's list, as the caller. */
  @FunctionalInterface
  interface Fetcher {
    /**
     * @param params query parameters for the upstream list (already chosen by the merge)
     */
    Future<Answer> fetch(String namespace, Map<String, String> params);
  }

  /** An upstream answer, read whole (one namespace's page). */
  record Answer(int status, String contentType, List<String> warnings, byte[] body) {}

  /** What the client asked for, and where to start. */
  record Plan(
      List<String> namespaces,
      MergeToken resume,
      long limit,
      String resourceVersion,
      String resourceVersionMatch,
      Map<String, String> passThroughParams,
      String resource,
      Envelope emptyEnvelope) {}

  /** kind / apiVersion of an answer made without any upstream page (nothing readable). */
  record Envelope(String kind, String apiVersion, boolean table) {}

  private static final int WARNING_NAMES = 10;

  private final HttpServerResponse response;
  private final boolean chunked;
  private final Fetcher fetcher;
  private final Plan plan;
  private final int concurrency;
  private final long maxHeldBytes;
  private final Promise<Void> done = Promise.promise();
  private final Future<?>[] answers;
  private final List<String> order;

  private String rv;
  private int launched;
  private int written;
  private int inFlight;
  private long collected;
  private boolean finished;
  private boolean headWritten;
  private boolean prefixWritten;
  private boolean anyElement;
  private final List<Buffer> held = new ArrayList<>();
  private long heldBytes;
  private final Set<String> forbidden = new LinkedHashSet<>();
  private final Set<String> upstreamWarnings = new LinkedHashSet<>();
  private boolean tableAnswer;

  MergedList(
      HttpServerResponse response,
      boolean chunked,
      Fetcher fetcher,
      Plan plan,
      int concurrency,
      long maxHeldBytes) {
    this.response = response;
    this.chunked = chunked;
    this.fetcher = fetcher;
    this.plan = plan;
    this.concurrency = Math.max(1, concurrency);
    this.maxHeldBytes = maxHeldBytes;
    this.order = plan.namespaces();
    this.answers = new Future<?>[order.size()];
    this.rv = plan.resume() == null ? null : plan.resume().resourceVersion();
  }

  /** Runs the merge; completes when the response has ended (or the client went away). */
  Future<Void> run() {
    response.closeHandler(
        v -> {
          finished = true;
          done.tryComplete();
        });
    response.drainHandler(v -> pump());
    pump();
    return done.future();
  }

  // ---- scheduling ------------------------------------------------------------------------------

  private void pump() {
    try {
      while (!finished && written < order.size()) {
        @SuppressWarnings("unchecked")
        Future<Answer> a = (Future<Answer>) answers[written];
        if (a == null || !a.isComplete()) {
          break;
        }
        if (a.failed()) {
          fail(a.cause());
          return;
        }
        if (!consume(written, a.result())) {
          break;
        }
      }
      if (finished) {
        return;
      }
      if (written >= order.size()) {
        finish(null);
        return;
      }
      while (launched < order.size()
          && inFlight < concurrency
          && (rv != null || launched == written)
          && !(headWritten && response.writeQueueFull())) {
        launch(launched, remaining());
        launched++;
      }
    } catch (KubeStatusException e) {
      fail(e);
    }
  }

  private long remaining() {
    return plan.limit() > 0 ? plan.limit() - collected : 0;
  }

  private void launch(int i, long limit) {
    String ns = order.get(i);
    Map<String, String> params = new LinkedHashMap<>(plan.passThroughParams());
    MergeToken resume = plan.resume();
    if (i == 0
        && resume != null
        && resume.namespace().equals(ns)
        && !resume.upstreamContinue().isEmpty()) {
      params.put("continue", resume.upstreamContinue());
    } else if (rv != null) {
      params.put("resourceVersion", rv);
      params.put("resourceVersionMatch", "Exact");
    } else {
      if (!plan.resourceVersion().isEmpty()) {
        params.put("resourceVersion", plan.resourceVersion());
      }
      if (!plan.resourceVersionMatch().isEmpty()) {
        params.put("resourceVersionMatch", plan.resourceVersionMatch());
      }
    }
    if (limit > 0) {
      params.put("limit", Long.toString(limit));
    }
    inFlight++;
    Future<Answer> f = fetcher.fetch(ns, params);
    answers[i] = f;
    f.onComplete(
        ar -> {
          inFlight--;
          pump();
        });
  }

  /**
   * Consumes namespace {@code i}'s answer; false when the merge must wait (a re-request) or has
   * finished.
   */
  private boolean consume(int i, Answer answer) {
    String ns = order.get(i);
    upstreamWarnings.addAll(answer.warnings());
    switch (answer.status()) {
      case 200 -> {
        NamespacePage page = NamespacePage.parse(answer.body(), ns);
        long remaining = remaining();
        if (plan.limit() > 0 && page.count() > remaining) {
          // asked before earlier namespaces filled the page: ask again for what still fits
          answers[i] = null;
          launch(i, remaining);
          return false;
        }
        if (rv == null && !page.resourceVersion().isEmpty()) {
          rv = page.resourceVersion();
        }
        emitPage(page);
        collected += page.count();
        if (!page.continueToken().isEmpty()) {
          finish(new MergeToken(rvOrEmpty(), ns, page.continueToken()));
          return false;
        }
        written++;
        if (plan.limit() > 0 && collected >= plan.limit() && written < order.size()) {
          finish(new MergeToken(rvOrEmpty(), order.get(written), ""));
          return false;
        }
        return true;
      }
      case 403 -> {
        forbidden.add(ns);
        written++;
        return true;
      }
      case 404 -> {
        written++;
        return true;
      }
      default -> {
        failWith(answer);
        return false;
      }
    }
  }

  private String rvOrEmpty() {
    return rv == null ? "" : rv;
  }

  // ---- output ----------------------------------------------------------------------------------

  private void emitPage(NamespacePage page) {
    if (!prefixWritten) {
      boolean table = page.kind().equals("Table");
      byte[] columns =
          page.columnDefinitions() == null
              ? "[]".getBytes(StandardCharsets.UTF_8)
              : slice(page.body(), page.columnDefinitions());
      emitPrefix(page.kind(), page.apiVersion(), table, columns);
    }
    Buffer out = Buffer.buffer();
    for (int[] e : page.elements()) {
      if (anyElement) {
        out.appendByte((byte) ',');
      }
      anyElement = true;
      out.appendBytes(page.body(), e[0], e[1] - e[0]);
    }
    if (out.length() > 0) {
      emit(out);
    }
  }

  private void emitPrefix(String kind, String apiVersion, boolean table, byte[] columns) {
    prefixWritten = true;
    tableAnswer = table;
    StringBuilder sb = new StringBuilder(128);
    sb.append("{\"kind\":")
        .append(quote(kind))
        .append(",\"apiVersion\":")
        .append(quote(apiVersion));
    Buffer b = Buffer.buffer(sb.toString());
    if (table) {
      b.appendString(",\"columnDefinitions\":").appendBytes(columns).appendString(",\"rows\":[");
    } else {
      b.appendString(",\"items\":[");
    }
    emit(b);
  }

  private void emit(Buffer b) {
    if (headWritten) {
      response.write(b);
      return;
    }
    held.add(b);
    heldBytes += b.length();
    if (heldBytes > maxHeldBytes) {
      // too much to hold for the Warning header: stream on; later refusals are only logged
      writeHead();
      flushHeld(null);
    }
  }

  private void flushHeld(Buffer last) {
    Buffer all = Buffer.buffer((int) Math.min(Integer.MAX_VALUE, heldBytes + 256));
    held.forEach(all::appendBuffer);
    held.clear();
    heldBytes = 0;
    if (last != null) {
      all.appendBuffer(last);
      response.end(all).onComplete(ar -> done.tryComplete());
    } else {
      response.write(all);
    }
  }

  private void writeHead() {
    headWritten = true;
    response.setStatusCode(200);
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private");
    List<String> warnings = new ArrayList<>(upstreamWarnings);
    if (!forbidden.isEmpty()) {
      warnings.add(forbiddenWarning(plan.resource(), forbidden));
    }
    if (!warnings.isEmpty()) {
      response.putHeader("Warning", warnings);
    }
    if (chunked) {
      response.setChunked(true);
    }
  }

  /** {@code 299 - "..."}: the namespaces where the caller's RBAC refused the list. */
  static String forbiddenWarning(String resource, Set<String> namespaces) {
    List<String> names = new ArrayList<>(namespaces);
    String shown = String.join(", ", names.subList(0, Math.min(WARNING_NAMES, names.size())));
    if (names.size() > WARNING_NAMES) {
      shown += " and " + (names.size() - WARNING_NAMES) + " more";
    }
    return "299 - \"tenant-proxy: "
        + resource
        + " of namespace"
        + (names.size() == 1 ? " " : "s ")
        + shown
        + " left out: the caller may not list them there\"";
  }

  private void finish(MergeToken next) {
    if (finished) {
      return;
    }
    finished = true;
    if (!prefixWritten) {
      Envelope e = plan.emptyEnvelope();
      emitPrefix(e.kind(), e.apiVersion(), e.table(), "[]".getBytes(StandardCharsets.UTF_8));
    }
    StringBuilder tail = new StringBuilder(64);
    tail.append("],\"metadata\":{\"resourceVersion\":").append(quote(rvOrEmpty()));
    if (next != null) {
      tail.append(",\"continue\":").append(quote(next.encode()));
    }
    tail.append("}}");
    Buffer last = Buffer.buffer(tail.toString());
    if (!headWritten) {
      writeHead();
      flushHeld(last);
    } else {
      response.end(last).onComplete(ar -> done.tryComplete());
    }
  }

  /** An upstream answer other than 200/403/404 ends the list with that answer (if still can). */
  private void failWith(Answer answer) {
    finished = true;
    if (headWritten) {
      response.reset();
      done.tryComplete();
      return;
    }
    response.setStatusCode(answer.status());
    response.putHeader(
        HttpHeaders.CONTENT_TYPE,
        answer.contentType() == null ? "application/json" : answer.contentType());
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, private");
    response.end(Buffer.buffer(answer.body())).onComplete(ar -> done.tryComplete());
  }

  private void fail(Throwable cause) {
    finished = true;
    if (headWritten) {
      response.reset();
      done.tryComplete();
      return;
    }
    done.tryFail(cause);
  }

  private static byte[] slice(byte[] body, int[] range) {
    byte[] out = new byte[range[1] - range[0]];
    System.arraycopy(body, range[0], out, 0, out.length);
    return out;
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  boolean isTable() {
    return tableAnswer;
  }
}
