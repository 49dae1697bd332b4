package dev.tenantproxy.cache.informer;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** Informed objects parsed from JSON by fabric8's serialization, as an informer hands them over. */
final class Objects {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  private Objects() {}

  static WireObject parse(String json) {
    return JSON.unmarshal(json.replace('\'', '"'), WireObject.class);
  }

  static WireObject tenant(String name, String rv, String ownerUser, String... ns) {
    String namespaces = ns.length == 0 ? "" : "'" + String.join("','", ns) + "'";
    return parse(
        "{'apiVersion':'capsule.clastix.io/v1beta2','kind':'Tenant','metadata':{'name':'"
            + name
            + "','resourceVersion':'"
            + rv
            + "'},'spec':{'owners':[{'kind':'User','name':'"
            + ownerUser
            + "','proxySettings':[{'kind':'Nodes','operations':['List']}]}],"
            + "'nodeSelector':{'pool':'"
            + name
            + "'}},'status':{'state':'Active','namespaces':["
            + namespaces
            + "],'owners':[{'kind':'User','name':'"
            + ownerUser
            + "','clusterRoles':['admin']},{'kind':'Robot','name':'x'}]}}");
  }

  static WireObject namespace(String name, String rv, String tenant) {
    return parse(
        "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'"
            + name
            + "','resourceVersion':'"
            + rv
            + "','labels':{'kubernetes.io/metadata.name':'"
            + name
            + "'},'ownerReferences':[{'apiVersion':'capsule.clastix.io/v1beta2','kind':'Tenant',"
            + "'name':'"
            + tenant
            + "','uid':'u'}]},'status':{'phase':'Active'}}");
  }
}
