//! Seeding: turns a scenario into a populated store before the server accepts connections.
//!
//! Objects are built fully formed (running pods, filled workload status, endpoints) and loaded in bulk
//! without watch events, which is what makes 50k pods start in seconds. Controllers take over from there.

use serde_json::{Value, json};

use super::objects::{self, Ipam, Placement};
use super::resources::idx;
use super::scenario::{NamespaceSpec, Scenario, WorkloadSpec};
use super::store::Store;

fn ago(now: jiff::Timestamp, secs: i64) -> String {
    let t = now.as_second() - secs;
    jiff::Timestamp::from_second(t)
        .unwrap_or(now)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

struct Seeder<'a> {
    store: &'a Store,
    sc: &'a Scenario,
    ipam: &'a Ipam,
    now: jiff::Timestamp,
    next_node: usize,
    pods: Vec<Value>,
    count: usize,
    by_kind: Vec<Vec<Value>>,
}

impl Seeder<'_> {
    fn placement_node(&mut self) -> usize {
        let n = self.next_node % self.sc.nodes;
        self.next_node += 1;
        n
    }

    fn running_pod(
        &mut self,
        owner: &Value,
        name: String,
        template: &Value,
        extra: &[(&str, String)],
        node: usize,
        age: i64,
    ) -> Value {
        let created = ago(self.now, age);
        let (node_name, node_ip, ip) = (
            objects::node_name(&self.sc.identity.node_prefix, node),
            objects::node_ip(node),
            self.ipam.next(),
        );
        let at = Placement {
            node: &node_name,
            node_ip: &node_ip,
            pod_ip: &ip,
        };
        let mut p = objects::pod(owner, &name, template, extra, Some(&at), &created);
        objects::mark_running(&mut p, &ago(self.now, age - 3));
        p
    }

    fn workload(&mut self, kind: &str, ns: &str, w: &WorkloadSpec, age: i64) {
        let created = ago(self.now, age);
        let mut obj = objects::workload(kind, ns, w, &created);
        let replicas = i64::from(w.replicas);
        let mut ready = 0;
        match kind {
            "Deployment" => {
                let hash = objects::template_hash(&obj["spec"]["template"]);
                let mut rs = objects::replicaset(&obj, &hash, replicas, &created);
                let template = rs["spec"]["template"].clone();
                let rs_name = rs["metadata"]["name"].as_str().unwrap_or("").to_string();
                for i in 0..replicas {
                    let node = self.placement_node();
                    let mut p = self.running_pod(
                        &rs,
                        objects::generated_pod_name(&rs_name),
                        &template,
                        &[],
                        node,
                        age - 5 - i,
                    );
                    if w.crash_loop && i == 0 {
                        objects::mark_crash_loop(&mut p, 7, &ago(self.now, 90));
                    } else {
                        ready += 1;
                    }
                    self.pods.push(p);
                }
                rs["status"] = json!({"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": ready,
                                      "availableReplicas": ready, "observedGeneration": 1});
                self.by_kind[idx::REPLICASETS].push(rs);
            }
            "StatefulSet" => {
                let template = obj["spec"]["template"].clone();
                let hash = objects::template_hash(&template);
                for i in 0..replicas {
                    let node = self.placement_node();
                    let extra = [
                        ("controller-revision-hash", format!("{}-{hash}", w.name)),
                        (
                            "statefulset.kubernetes.io/pod-name",
                            format!("{}-{i}", w.name),
                        ),
                        ("apps.kubernetes.io/pod-index", i.to_string()),
                    ];
                    let p = self.running_pod(
                        &obj,
                        format!("{}-{i}", w.name),
                        &template,
                        &extra,
                        node,
                        age - 5 - i * 10,
                    );
                    ready += 1;
                    self.pods.push(p);
                }
            }
            _ => {
                let template = obj["spec"]["template"].clone();
                let hash = objects::template_hash(&template);
                let name = w.name.clone();
                for node in 0..self.sc.nodes {
                    let extra = [
                        ("controller-revision-hash", hash.clone()),
                        ("pod-template-generation", "1".to_string()),
                    ];
                    let p = self.running_pod(
                        &obj,
                        objects::generated_pod_name(&name),
                        &template,
                        &extra,
                        node,
                        age - 5,
                    );
                    ready += 1;
                    self.pods.push(p);
                }
            }
        }
        obj["status"] = super::controllers::workload_status(
            kind,
            &obj,
            replicas,
            ready,
            &ago(self.now, age - 10),
        );
        let res = match kind {
            "Deployment" => idx::DEPLOYMENTS,
            "StatefulSet" => idx::STATEFULSETS,
            _ => idx::DAEMONSETS,
        };
        if w.service && !w.ports.is_empty() {
            let n = self.by_kind[idx::SERVICES].len();
            let svc = objects::service(
                ns,
                w,
                &format!("10.96.{}.{}", n / 250 + 1, n % 250 + 2),
                &created,
            );
            let selected: Vec<&Value> = self
                .pods
                .iter()
                .filter(|p| {
                    p["metadata"]["namespace"] == ns
                        && p["metadata"]["labels"]["app"] == w.name.as_str()
                        && objects::is_ready(p)
                })
                .collect();
            let mut ep = objects::endpoints(&svc, &created);
            let subsets = objects::endpoints_subsets(&svc, &selected);
            if !subsets.is_null() {
                ep["subsets"] = subsets;
            }
            self.by_kind[idx::SERVICES].push(svc);
            self.by_kind[idx::ENDPOINTS].push(ep);
        }
        self.by_kind[res].push(obj);
        // Pods go into the store as each workload is built, so seeding never holds them all parsed.
        let pods = std::mem::take(&mut self.pods);
        self.count += pods.len();
        self.store.seed(idx::PODS, pods);
    }

    fn namespace(&mut self, ns: &NamespaceSpec) {
        let age = 3 * 86400;
        let created = ago(self.now, age);
        for (res, obj) in super::controllers::namespaces::defaults(self.store, &ns.name, &created) {
            self.by_kind[res].push(obj);
        }
        for i in 0..ns.config_maps {
            let data = json!({"app.properties": format!("log.level=info\nfeature.flag.{i}=true\n"), "replicas": "3"});
            self.by_kind[idx::CONFIGMAPS].push(objects::configmap(
                &ns.name,
                &format!("{}-config-{i}", ns.name),
                data,
                &created,
            ));
        }
        for i in 0..ns.secrets {
            // "admin" / a fixed demo password, base64: the sim's secrets are visibly fake.
            let data = json!({"username": "YWRtaW4=", "password": "ZGVtby1wYXNzd29yZA=="});
            self.by_kind[idx::SECRETS].push(objects::secret(
                &ns.name,
                &format!("{}-secret-{i}", ns.name),
                data,
                &created,
            ));
        }
        for (i, w) in ns.deployments.iter().enumerate() {
            self.workload("Deployment", &ns.name, w, 2 * 86400 - i as i64 * 600);
        }
        for (i, w) in ns.statefulsets.iter().enumerate() {
            self.workload("StatefulSet", &ns.name, w, 2 * 86400 - i as i64 * 900);
        }
        for w in &ns.daemonsets {
            self.workload("DaemonSet", &ns.name, w, 2 * 86400 + 3600);
        }
        if let Some(g) = &ns.generate {
            for d in 0..g.deployments {
                let w = WorkloadSpec::new(&format!("app-{d:03}"), g.replicas, "nginx:1.27", &[80]);
                self.workload("Deployment", &ns.name, &w, 86400 + d as i64 * 30);
            }
        }
    }
}

/// Loads the scenario into an empty store. Returns the number of pods seeded.
pub fn seed(store: &Store, sc: &Scenario, ipam: &Ipam) -> usize {
    let now = jiff::Timestamp::now();
    let mut s = Seeder {
        store,
        count: 0,
        sc,
        ipam,
        now,
        next_node: 0,
        pods: Vec::new(),
        by_kind: vec![Vec::new(); super::resources::BUILTIN.len()],
    };
    let mut names: Vec<String> = ["default", "kube-system", "kube-public", "kube-node-lease"]
        .map(String::from)
        .to_vec();
    for ns in &sc.namespaces {
        if !names.contains(&ns.name) {
            names.push(ns.name.clone());
        }
    }
    let ns_created = ago(now, 3 * 86400 + 7200);
    s.by_kind[idx::NAMESPACES] = names
        .iter()
        .map(|n| objects::namespace(n, &ns_created))
        .collect();
    s.by_kind[idx::NODES] = (0..sc.nodes)
        .map(|i| {
            let id = &sc.identity;
            objects::node(&id.node_prefix, i, id.minor, &ns_created)
        })
        .collect();
    let kubernetes = WorkloadSpec::new("kubernetes", 0, "", &[443]);
    let mut svc = objects::service("default", &kubernetes, "10.96.0.1", &ns_created);
    svc["spec"].as_object_mut().map(|m| m.remove("selector"));
    svc["metadata"]["labels"] = json!({"component": "apiserver", "provider": "kubernetes"});
    svc["spec"]["ports"] =
        json!([{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]);
    let mut ep = objects::endpoints(&svc, &ns_created);
    ep["subsets"] = json!([{"addresses": [{"ip": objects::node_ip(0)}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]);
    s.by_kind[idx::SERVICES].push(svc);
    s.by_kind[idx::ENDPOINTS].push(ep);
    for (res, obj) in super::rbac::bootstrap(&ns_created) {
        s.by_kind[res].push(obj);
    }
    let explicit: Vec<String> = sc.namespaces.iter().map(|n| n.name.clone()).collect();
    for name in &names {
        if !explicit.contains(name) {
            s.namespace(&NamespaceSpec {
                name: name.clone(),
                ..NamespaceSpec::default()
            });
        }
    }
    for ns in &sc.namespaces {
        s.namespace(ns);
    }
    for (res, objs) in std::mem::take(&mut s.by_kind).into_iter().enumerate() {
        store.seed(res, objs);
    }
    s.count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_what_the_scenario_asks() {
        let store = Store::new(100);
        let sc = Scenario::demo();
        let n = seed(&store, &sc, &Ipam::default());
        assert_eq!(n, sc.pod_count());
        assert_eq!(store.count(idx::PODS), n);
        assert_eq!(store.count(idx::NODES), 3);
        assert!(store.get(idx::NAMESPACES, "", "shop").is_some());
        assert!(store.get(idx::SERVICES, "default", "kubernetes").is_some());
        let d = store.get(idx::DEPLOYMENTS, "shop", "frontend").unwrap();
        assert_eq!(d["status"]["readyReplicas"], 3);
        let ep = store.get(idx::ENDPOINTS, "shop", "frontend").unwrap();
        assert_eq!(ep["subsets"][0]["addresses"].as_array().unwrap().len(), 3);
    }
}
