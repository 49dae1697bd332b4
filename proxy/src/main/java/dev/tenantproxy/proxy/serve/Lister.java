package dev.tenantproxy.proxy.serve;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.request.ListOptions;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Lists and gets the objects of one served kind for one caller from a {@link KindView}: the visible
 * objects, narrowed by the selectors, sorted by name, paged by {@code limit}/{@code continue}.
 * Pure: no I/O, no locks.
 *
 * <h2>resourceVersion semantics (served from the watch cache)</h2>
 *
 * <ul>
 *   <li>unset (a "consistent" read on the API server) and {@code "0"}: the cache's current state,
 *       which is as fresh as the one upstream watch feeding it.
 *   <li>{@code N} (or {@code N} + {@code NotOlderThan}): the current state when the cache is at
 *       least at N; otherwise {@link TooNewException} (the server waits up to 3 s for the cache to
 *       catch up, then answers 504 like the API server).
 *   <li>{@code N} + {@code Exact}: only the cache's current resourceVersion can be served exactly;
 *       an older N gets 410 Expired (the cache keeps no past states), a newer one is too new.
 *   <li>{@code continue}: the next page from the CURRENT state, after the last name of the previous
 *       page, reporting the first page's resourceVersion, so that a watch started from it replays
 *       every change made while paging. A token older than the cache can replay gets 410 Expired.
 * </ul>
 *
 * {@code remainingItemCount} is never produced (it would count invisible objects).
 */
public final class Lister {

  /** The requested resourceVersion is newer than the cache; retry or answer 504. */
  public static final class TooNewException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long requested;
    private final long current;

    TooNewException(long requested, long current) {
      super(
          "Too large resource version: " + requested + ", current: " + current, null, false, false);
      this.requested = requested;
      this.current = current;
    }

    public long requested() {
      return requested;
    }

    public long current() {
      return current;
    }

    /** The 504 the API server answers when its cache did not catch up in time. */
    public KubeStatusException toStatus() {
      return new KubeStatusException(504, "Timeout", getMessage(), null, null, null);
    }
  }

  /** One page: the items, the list's resourceVersion and the next page's token (or null). */
  public record Page(List<ServedObject> items, long resourceVersion, String continueToken) {}

  private Lister() {}

  /**
   * One page of the caller's objects.
   *
   * @param filter the selectors (see {@link ReadRequest#filter()})
   * @param options the list options, already decoded and validated ({@code ValidateListOptions},
   *     422) by the {@code filters} module's classifier; their selectors are not read here
   * @throws KubeStatusException 400 for a resourceVersion with a continue token (as the API
   *     server's storage answers), 410 for expired continue tokens or exact resourceVersions the
   *     cache no longer has
   * @throws TooNewException when the requested resourceVersion is newer than the cache
   */
  public static Page list(KindView view, Caller caller, ObjectFilter filter, ListOptions options) {
    if (!options.continueToken().isEmpty()
        && !options.resourceVersion().isEmpty()
        && !options.resourceVersion().equals("0")) {
      throw KubeStatusException.badRequest(
          "specifying resource version is not allowed when using continue");
    }
    long current = view.resourceVersion();
    long listRv = current;
    String after = null;
    if (!options.continueToken().isEmpty()) {
      ContinueToken token = ContinueToken.decode(options.continueToken());
      if (token.resourceVersion() > current || !view.canReplayFrom(token.resourceVersion())) {
        throw KubeStatusException.expired(
            "The provided continue parameter is too old to display a consistent list result. You"
                + " can start a new list without the continue parameter.");
      }
      listRv = token.resourceVersion();
      after = token.lastName();
    } else {
      long requested = ResourceVersions.parseParameter(options.resourceVersion());
      if (requested > current) {
        throw new TooNewException(requested, current);
      }
      if (options.resourceVersionMatch().equals("Exact") && requested != current) {
        throw KubeStatusException.expired("The resourceVersion for the provided list is too old.");
      }
    }

    long limit = options.limit();
    List<ServedObject> items = new ArrayList<>();
    Optional<String> exact = filter.exactName();
    if (exact.isPresent()) {
      String name = exact.get();
      if (after == null || name.compareTo(after) > 0) {
        ServedObject o = view.get(name);
        if (o != null && view.sees(caller, o) && filter.matches(o)) {
          items.add(o);
        }
      }
      return new Page(items, listRv, null);
    }

    SortedSet<String> visible = view.visible(caller);
    Iterable<String> names = after == null ? visible : visible.tailSet(after);
    String lastReturned = null;
    boolean more = false;
    for (String name : names) {
      if (after != null && name.equals(after)) {
        continue;
      }
      ServedObject ns = view.get(name);
      if (ns == null || !filter.matches(ns)) {
        continue;
      }
      if (limit > 0 && items.size() >= limit) {
        more = true;
        break;
      }
      items.add(ns);
      lastReturned = name;
    }
    String token = more ? new ContinueToken(listRv, lastReturned).encode() : null;
    return new Page(items, listRv, token);
  }

  /**
   * The object if the caller may see it.
   *
   * @throws KubeStatusException 404 ({@code namespaces "<name>" not found}, {@code
   *     tenants.capsule.clastix.io "<name>" not found}), identical whether the object is invisible
   *     or does not exist
   */
  public static ServedObject get(KindView view, Caller caller, String name) {
    ServedObject o = view.get(name);
    if (o != null && view.seesByName(caller, o)) {
      return o;
    }
    throw KubeStatusException.notFound(
        view.kind().kind().group(), view.kind().kind().plural(), name);
  }
}
