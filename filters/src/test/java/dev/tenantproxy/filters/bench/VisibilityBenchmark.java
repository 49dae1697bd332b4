package dev.tenantproxy.filters.bench;

import dev.tenantproxy.filters.identity.Caller;
import dev.tenantproxy.filters.tenancy.TenancySnapshot;
import dev.tenantproxy.filters.visibility.Visibility;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Visible-namespace query latency on the fleet (target p99 ≤ 10 µs). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class VisibilityBenchmark {
  private static final int CALLERS = 1024;

  private TenancySnapshot snapshot;
  private Caller[] users;
  private Caller[] groupMembers;
  private Caller[] serviceAccounts;
  private String[] namespaces;
  private int next;

  @Setup
  public void setUp() {
    snapshot = VisibilityFleet.snapshot();
    users = new Caller[CALLERS];
    groupMembers = new Caller[CALLERS];
    serviceAccounts = new Caller[CALLERS];
    namespaces = new String[CALLERS];
    java.util.Random r = new java.util.Random(42);
    for (int k = 0; k < CALLERS; k++) {
      int i = r.nextInt(VisibilityFleet.TENANTS);
      users[k] = Caller.of("user-" + i, "projectcapsule.dev", "system:authenticated");
      groupMembers[k] =
          Caller.of(
              "member-" + k, "group-" + (i / 10), "projectcapsule.dev", "system:authenticated");
      int sa = (i / 10) * 10;
      serviceAccounts[k] =
          Caller.of(
              VisibilityFleet.serviceAccount(sa),
              "system:serviceaccounts",
              "system:serviceaccounts:" + VisibilityFleet.namespaceName(sa, 0),
              "system:authenticated");
      namespaces[k] = VisibilityFleet.namespaceName(r.nextInt(VisibilityFleet.TENANTS), k % 5);
    }
  }

  private int nextIndex() {
    next = (next + 1) & (CALLERS - 1);
    return next;
  }

  /** A User owner of one tenant: 5 namespaces. */
  @Benchmark
  public SortedSet<String> visibleNamespacesOfUser() {
    return Visibility.visibleNamespaces(snapshot, users[nextIndex()]);
  }

  /** A Group member: the group owns 10 tenants, 50 namespaces (merged and sorted). */
  @Benchmark
  public SortedSet<String> visibleNamespacesOfGroupMember() {
    return Visibility.visibleNamespaces(snapshot, groupMembers[nextIndex()]);
  }

  /** A ServiceAccount owner (also a member of its tenant namespace's SA group). */
  @Benchmark
  public SortedSet<String> visibleNamespacesOfServiceAccount() {
    return Visibility.visibleNamespaces(snapshot, serviceAccounts[nextIndex()]);
  }

  @Benchmark
  public boolean canSee() {
    int k = nextIndex();
    return Visibility.canSee(snapshot, users[k], namespaces[k]);
  }

  @Benchmark
  public boolean isCapsuleUserByServiceAccountRule() {
    return Visibility.isCapsuleUser(snapshot, serviceAccounts[nextIndex()]);
  }
}
