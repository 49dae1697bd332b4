package dev.tenantproxy.e2e.controlplane;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does for tenants what the Capsule controller would do, so tests run without Capsule: the Tenant
 * and CapsuleConfiguration objects, each tenant namespace's label {@value #TENANT_LABEL} and
 * ownerReference, the per-namespace RoleBindings of the owners' cluster roles, and Tenant status
 * ({@code owners}, {@code namespaces}, {@code spaces}, {@code size}, {@code state}) through the
 * status subresource. Tenant status is recomputed from the labelled namespaces on every change and
 * when a tenant namespace disappears (watched), as the controller does.
 */
public final class Capsule {

  private static final Logger LOG = LoggerFactory.getLogger(Capsule.class);

  public static final String GROUP = "capsule.clastix.io";
  public static final String TENANT_API_VERSION = GROUP + "/v1beta2";
  public static final String TENANT_LABEL = "capsule.clastix.io/tenant";

  /** The group Capsule's default configuration treats as Capsule users. */
  public static final String CAPSULE_USERS_GROUP = "projectcapsule.dev";

  public static final String NAMESPACE_PROVISIONER_ROLE = "capsule-namespace-provisioner";
  public static final String NAMESPACE_DELETER_ROLE = "capsule-namespace-deleter";
  public static final String CONFIGURATION_NAME = "default";

  public static final ResourceDefinitionContext TENANTS =
      context("v1beta2", "tenants", "Tenant", false);
  public static final ResourceDefinitionContext CAPSULE_CONFIGURATIONS =
      context("v1beta2", "capsuleconfigurations", "CapsuleConfiguration", false);
  public static final ResourceDefinitionContext PROXY_SETTINGS =
      context("v1beta1", "proxysettings", "ProxySetting", true);
  public static final ResourceDefinitionContext GLOBAL_PROXY_SETTINGS =
      context("v1beta1", "globalproxysettings", "GlobalProxySettings", false);

  private static final List<String> CRDS =
      List.of(
          "tenants.capsule.clastix.io",
          "capsuleconfigurations.capsule.clastix.io",
          "proxysettings.capsule.clastix.io",
          "globalproxysettings.capsule.clastix.io");

  /** Bound on the wait for new RoleBindings to be in effect (a hang guard, not a latency goal). */
  private static final Duration BINDINGS_IN_EFFECT = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> namespaceWatch;

  Capsule(KubernetesClient client) {
    this.client = client;
    this.namespaceWatch =
        client
            .namespaces()
            .withLabel(TENANT_LABEL)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Namespace ns) {}

                  @Override
                  public void onUpdate(Namespace oldNs, Namespace newNs) {}

                  @Override
                  public void onDelete(Namespace ns, boolean deletedFinalStateUnknown) {
                    String tenant = ns.getMetadata().getLabels().get(TENANT_LABEL);
                    try {
                      reconcile(tenant);
                    } catch (RuntimeException e) {
                      LOG.warn("cannot update tenant {} after namespace deletion", tenant, e);
                    }
                  }
                });
  }

  // ---- tenants ---------------------------------------------------------------------------------

  /** Creates tenant {@code name} with {@code spec.owners} and writes its status. */
  public GenericKubernetesResource createTenant(String name, Owner... owners) {
    List<Object> specOwners = new ArrayList<>();
    for (Owner owner : owners) {
      specOwners.add(owner.toMap());
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("owners", specOwners);
    return createTenant(
        new GenericKubernetesResourceBuilder()
            .withApiVersion(TENANT_API_VERSION)
            .withKind("Tenant")
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withAdditionalProperties(Map.of("spec", spec))
            .build());
  }

  /**
   * Creates a tenant from a full object (any {@code spec}: proxySettings, storageClasses, ...) and
   * writes its status; {@code spec.owners[].clusterRoles} default to {@link
   * Owner#DEFAULT_CLUSTER_ROLES}.
   */
  public GenericKubernetesResource createTenant(GenericKubernetesResource tenant) {
    tenants().resource(tenant).create();
    return reconcile(tenant.getMetadata().getName());
  }

  /** The tenant as stored (v1beta2), or null. */
  public GenericKubernetesResource tenant(String name) {
    return tenants().withName(name).get();
  }

  /**
   * Sets the tenant's {@code spec.nodeSelector} ({@code null} or empty: removes it), as an admin
   * editing the Tenant would.
   */
  public void setNodeSelector(String tenant, Map<String, String> nodeSelector) {
    setSpec(
        tenant,
        "nodeSelector",
        nodeSelector == null || nodeSelector.isEmpty() ? null : new LinkedHashMap<>(nodeSelector));
  }

  /**
   * Sets one top-level field of the tenant's {@code spec} ({@code null}: removes it), e.g. {@code
   * storageClasses} or {@code owners}, as an admin editing the Tenant would.
   */
  public void setSpec(String tenant, String field, Object value) {
    // the controller imitation writes the tenant's status concurrently (a namespace added or
    // deleted): an edit that loses that race gets 409 Conflict and is retried on the new version
    for (int attempt = 1; ; attempt++) {
      try {
        tenants()
            .withName(tenant)
            .edit(
                t -> {
                  @SuppressWarnings("unchecked")
                  Map<String, Object> spec =
                      (Map<String, Object>) t.getAdditionalProperties().get("spec");
                  if (value == null) {
                    spec.remove(field);
                  } else {
                    spec.put(field, value);
                  }
                  return t;
                });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }

  /** Deletes the tenant; the garbage collector then deletes its namespaces (ownerReference). */
  public void deleteTenant(String name) {
    tenants().withName(name).delete();
  }

  // ---- namespaces ------------------------------------------------------------------------------

  /**
   * Creates {@code namespace} as a namespace of {@code tenant}, with the owners' RoleBindings;
   * returns once the API server authorizes by them (see {@link #awaitBindingsInEffect}).
   */
  public Namespace createNamespace(String tenant, String namespace) {
    GenericKubernetesResource t = tenants().withName(tenant).require();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(namespace)
                .addToLabels(TENANT_LABEL, tenant)
                .withOwnerReferences(ownerReference(t))
                .endMetadata()
                .build())
        .create();
    reconcile(tenant);
    awaitBindingsInEffect(namespace, owners(t));
    return client.namespaces().withName(namespace).get();
  }

  /**
   * Makes an existing namespace (e.g. one an owner just created) a namespace of {@code tenant};
   * returns once the API server authorizes by the owners' new RoleBindings.
   */
  public Namespace addNamespace(String tenant, String namespace) {
    GenericKubernetesResource t = tenants().withName(tenant).require();
    String previous = tenantOf(namespace);
    if (previous != null && !previous.equals(tenant)) {
      deleteRoleBindings(namespace);
    }
    label(namespace, tenant, ownerReference(t));
    if (previous != null && !previous.equals(tenant)) {
      reconcile(previous);
    }
    reconcile(tenant);
    awaitBindingsInEffect(namespace, owners(t));
    return client.namespaces().withName(namespace).get();
  }

  /** Moves a tenant namespace to another tenant (RoleBindings, label, ownerReference, statuses). */
  public Namespace moveNamespace(String namespace, String toTenant) {
    return addNamespace(toTenant, namespace);
  }

  /** Detaches a namespace from its tenant; the namespace itself stays. */
  public void removeNamespace(String namespace) {
    String tenant = tenantOf(namespace);
    if (tenant == null) {
      return;
    }
    deleteRoleBindings(namespace);
    label(namespace, null, null);
    reconcile(tenant);
  }

  /** The tenant a namespace belongs to (its label), or null. */
  public String tenantOf(String namespace) {
    Namespace ns = client.namespaces().withName(namespace).get();
    return ns == null || ns.getMetadata().getLabels() == null
        ? null
        : ns.getMetadata().getLabels().get(TENANT_LABEL);
  }

  // ---- the controller's work -------------------------------------------------------------------

  /**
   * Recomputes a tenant's status and RoleBindings from its spec and labelled namespaces (call it
   * after editing a tenant's spec directly). Returns the updated tenant, or null if it is gone.
   */
  public synchronized GenericKubernetesResource reconcile(String tenant) {
    GenericKubernetesResource t = tenants().withName(tenant).get();
    if (t == null) {
      return null;
    }
    List<Owner> owners = owners(t);
    List<Namespace> namespaces =
        client.namespaces().withLabel(TENANT_LABEL, tenant).list().getItems().stream()
            .sorted(Comparator.comparing(ns -> ns.getMetadata().getName()))
            .toList();
    for (Namespace ns : namespaces) {
      if (ns.getMetadata().getDeletionTimestamp() == null) {
        ensureRoleBindings(tenant, ns.getMetadata().getName(), owners);
      }
    }
    List<Object> statusOwners = new ArrayList<>();
    owners.stream()
        .sorted(Comparator.comparing(Owner::kind).thenComparing(Owner::name))
        .forEach(o -> statusOwners.add(o.toMap()));
    List<String> names = namespaces.stream().map(ns -> ns.getMetadata().getName()).toList();
    List<Object> spaces = new ArrayList<>();
    namespaces.forEach(
        ns ->
            spaces.add(
                Map.of("name", ns.getMetadata().getName(), "uid", ns.getMetadata().getUid())));
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("state", "Active");
    status.put("size", names.size());
    status.put("namespaces", names);
    status.put("spaces", spaces);
    status.put("owners", statusOwners);
    return tenants()
        .withName(tenant)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(Map.of("status", status)));
  }

  /**
   * Waits until the API server authorizes each owner by each of its RoleBindings in {@code
   * namespace}. Its RBAC authorizer reads RoleBindings from an informer, so a binding that was just
   * written may not count yet, for longer on a busy machine: a test acting as the owner right after
   * {@link #createNamespace} would be refused now and then. Asks a SubjectAccessReview of the first
   * plain rule of each bound ClusterRole (bindings to missing or rule-less roles are skipped).
   */
  private void awaitBindingsInEffect(String namespace, List<Owner> owners) {
    long deadline = System.nanoTime() + BINDINGS_IN_EFFECT.toNanos();
    for (Owner owner : owners) {
      for (String role : owner.clusterRoles()) {
        ResourceAttributes probe = probe(role, namespace);
        if (probe == null) {
          continue;
        }
        SubjectAccessReview review = accessReview(owner, probe);
        while (!allowed(review)) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "the API server does not authorize "
                    + owner
                    + " by ClusterRole "
                    + role
                    + " in namespace "
                    + namespace
                    + " within "
                    + BINDINGS_IN_EFFECT);
          }
          try {
            Thread.sleep(50); // polling the authorizer; there is no event to wait on
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
          }
        }
      }
    }
  }

  private boolean allowed(SubjectAccessReview review) {
    SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(review);
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  /** What {@code role} allows first, in {@code namespace}; null when there is nothing to probe. */
  private ResourceAttributes probe(String role, String namespace) {
    ClusterRole clusterRole = client.rbac().clusterRoles().withName(role).get();
    if (clusterRole == null || clusterRole.getRules() == null) {
      return null;
    }
    for (PolicyRule rule : clusterRole.getRules()) {
      if (isEmpty(rule.getVerbs())
          || isEmpty(rule.getResources())
          || isEmpty(rule.getApiGroups())
          || !isEmpty(rule.getResourceNames())) {
        continue;
      }
      String[] resource = rule.getResources().get(0).split("/", 2);
      return new ResourceAttributesBuilder()
          .withNamespace(namespace)
          .withVerb(rule.getVerbs().get(0))
          .withGroup(rule.getApiGroups().get(0))
          .withResource(resource[0])
          .withSubresource(resource.length > 1 ? resource[1] : null)
          .build();
    }
    return null;
  }

  private static boolean isEmpty(List<String> list) {
    return list == null || list.isEmpty();
  }

  private static SubjectAccessReview accessReview(Owner owner, ResourceAttributes attributes) {
    String user;
    List<String> groups;
    switch (owner.kind()) {
      case "Group" -> {
        user = "capsule-rbac-probe";
        groups = List.of(owner.name());
      }
      case "ServiceAccount" -> {
        user = owner.name();
        groups =
            List.of(
                "system:serviceaccounts", "system:serviceaccounts:" + owner.name().split(":")[2]);
      }
      default -> {
        user = owner.name();
        groups = List.of();
      }
    }
    return new SubjectAccessReviewBuilder()
        .withNewSpec()
        .withUser(user)
        .withGroups(groups)
        .withResourceAttributes(attributes)
        .endSpec()
        .build();
  }

  // ---- Capsule users ---------------------------------------------------------------------------

  /**
   * Adds Capsule users (CapsuleConfiguration {@code default}: spec.users and status.users) and
   * binds {@value #NAMESPACE_PROVISIONER_ROLE} to them. By default the group {@value
   * #CAPSULE_USERS_GROUP} is the only Capsule user.
   */
  public synchronized void addCapsuleUsers(Owner... users) {
    Set<Owner> all = new LinkedHashSet<>(capsuleUsers());
    for (Owner user : users) {
      all.add(new Owner(user.kind(), user.name(), List.of()));
    }
    writeCapsuleUsers(client, List.copyOf(all));
  }

  /** CapsuleConfiguration {@code default} status.users. */
  public List<Owner> capsuleUsers() {
    GenericKubernetesResource config =
        client
            .genericKubernetesResources(CAPSULE_CONFIGURATIONS)
            .withName(CONFIGURATION_NAME)
            .get();
    List<Owner> users = new ArrayList<>();
    List<Map<String, Object>> listed = config == null ? null : config.get("status", "users");
    if (listed != null) {
      listed.forEach(
          u -> users.add(new Owner((String) u.get("kind"), (String) u.get("name"), List.of())));
    }
    return users;
  }

  /** Stops the namespace watch; the owning {@link ControlPlane} calls it. */
  void close() {
    namespaceWatch.close();
  }

  // ---- installation ----------------------------------------------------------------------------

  /** Installs the CRDs (waits for Established), ClusterRoles and the default configuration. */
  static void install(KubernetesClient client, Duration timeout) {
    for (String name : CRDS) {
      CustomResourceDefinition crd;
      try (InputStream in =
          Capsule.class.getResourceAsStream("/controlplane/crds/" + name + ".yaml")) {
        crd =
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .load(Objects.requireNonNull(in, "missing CRD resource " + name))
                .item();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (name.startsWith("tenants.")) {
        // serve v1beta1 too; with conversion None both versions share the schema
        CustomResourceDefinitionVersion v1beta2 = crd.getSpec().getVersions().get(0);
        crd.getSpec()
            .getVersions()
            .add(
                new CustomResourceDefinitionVersionBuilder(v1beta2)
                    .withName("v1beta1")
                    .withStorage(false)
                    .build());
      }
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(crd)
          .createOr(NonDeletingOperation::update);
    }
    for (String name : CRDS) {
      Crds.awaitEstablished(client, name, timeout);
    }
    namespacesRole(client, NAMESPACE_PROVISIONER_ROLE, "create", "patch");
    namespacesRole(client, NAMESPACE_DELETER_ROLE, "delete");
    writeCapsuleUsers(client, List.of(new Owner("Group", CAPSULE_USERS_GROUP, List.of())));
  }

  /** Creates or updates ClusterRole {@code name}: {@code verbs} on (core) namespaces. */
  private static void namespacesRole(KubernetesClient client, String name, String... verbs) {
    client
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("namespaces")
                .withVerbs(verbs)
                .endRule()
                .build())
        .createOr(NonDeletingOperation::update);
  }

  private static void writeCapsuleUsers(KubernetesClient client, List<Owner> users) {
    List<Object> subjects = new ArrayList<>();
    users.forEach(u -> subjects.add(u.toSubjectMap()));
    MixedOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        configs = client.genericKubernetesResources(CAPSULE_CONFIGURATIONS);
    configs
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion(GROUP + "/v1beta2")
                .withKind("CapsuleConfiguration")
                .withNewMetadata()
                .withName(CONFIGURATION_NAME)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("users", subjects)))
                .build())
        .createOr(
            op ->
                configs
                    .withName(CONFIGURATION_NAME)
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        client
                            .getKubernetesSerialization()
                            .asJson(Map.of("spec", Map.of("users", subjects)))));
    configs
        .withName(CONFIGURATION_NAME)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client
                .getKubernetesSerialization()
                .asJson(Map.of("status", Map.of("users", subjects))));
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(NAMESPACE_PROVISIONER_ROLE)
                .endMetadata()
                .withNewRoleRef(
                    "rbac.authorization.k8s.io", "ClusterRole", NAMESPACE_PROVISIONER_ROLE)
                .withSubjects(users.stream().map(Capsule::subject).toList())
                .build())
        .createOr(NonDeletingOperation::update);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      tenants() {
    return client.genericKubernetesResources(TENANTS);
  }

  private static List<Owner> owners(GenericKubernetesResource tenant) {
    List<Map<String, Object>> spec = tenant.get("spec", "owners");
    List<Owner> owners = new ArrayList<>();
    if (spec != null) {
      for (Map<String, Object> o : spec) {
        @SuppressWarnings("unchecked")
        List<String> roles = (List<String>) o.get("clusterRoles");
        owners.add(
            new Owner(
                (String) o.get("kind"),
                (String) o.get("name"),
                roles == null || roles.isEmpty() ? Owner.DEFAULT_CLUSTER_ROLES : roles));
      }
    }
    return owners;
  }

  private void ensureRoleBindings(String tenant, String namespace, List<Owner> owners) {
    for (int i = 0; i < owners.size(); i++) {
      Owner owner = owners.get(i);
      for (String role : owner.clusterRoles()) {
        RoleBinding binding =
            new RoleBindingBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName("capsule-" + tenant + "-" + i + "-" + role)
                .addToLabels(TENANT_LABEL, tenant)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .withSubjects(subject(owner))
                .build();
        client
            .rbac()
            .roleBindings()
            .inNamespace(namespace)
            .resource(binding)
            .createOr(NonDeletingOperation::update);
      }
    }
  }

  private void deleteRoleBindings(String namespace) {
    client.rbac().roleBindings().inNamespace(namespace).withLabel(TENANT_LABEL).delete();
  }

  private static Subject subject(Owner owner) {
    if (owner.kind().equals("ServiceAccount")) {
      String[] parts = owner.name().split(":");
      return new SubjectBuilder()
          .withKind("ServiceAccount")
          .withApiGroup("")
          .withNamespace(parts[2])
          .withName(parts[3])
          .build();
    }
    return new SubjectBuilder()
        .withKind(owner.kind())
        .withApiGroup("rbac.authorization.k8s.io")
        .withName(owner.name())
        .build();
  }

  private static OwnerReference ownerReference(GenericKubernetesResource tenant) {
    return new OwnerReferenceBuilder()
        .withApiVersion(TENANT_API_VERSION)
        .withKind("Tenant")
        .withName(tenant.getMetadata().getName())
        .withUid(tenant.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /**
   * Sets a namespace's tenant label and Tenant ownerReference to {@code tenant} and {@code ref}, or
   * removes both when they are null.
   */
  private void label(String namespace, String tenant, OwnerReference ref) {
    client
        .namespaces()
        .withName(namespace)
        .edit(
            ns -> {
              var metadata =
                  new NamespaceBuilder(ns)
                      .editMetadata()
                      .withOwnerReferences(withTenantReference(ns, ref));
              return (tenant == null
                      ? metadata.removeFromLabels(TENANT_LABEL)
                      : metadata.addToLabels(TENANT_LABEL, tenant))
                  .endMetadata()
                  .build();
            });
  }

  /** The namespace's ownerReferences with any Tenant reference replaced by {@code tenant}. */
  private static List<OwnerReference> withTenantReference(Namespace ns, OwnerReference tenant) {
    List<OwnerReference> refs = new ArrayList<>();
    for (OwnerReference ref : ns.getMetadata().getOwnerReferences()) {
      if (!("Tenant".equals(ref.getKind()) && ref.getApiVersion().startsWith(GROUP + "/"))) {
        refs.add(ref);
      }
    }
    if (tenant != null) {
      refs.add(tenant);
    }
    return refs;
  }

  private static ResourceDefinitionContext context(
      String version, String plural, String kind, boolean namespaced) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(GROUP)
        .withVersion(version)
        .withPlural(plural)
        .withKind(kind)
        .withNamespaced(namespaced)
        .build();
  }
}
