//! Kinds that appear while kdeck runs: a CRD applied by kubectl after start is a command at once (one
//! discovery refresh before refusing the name), its instances list with the CRD's printer columns, and
//! `enter` on a CRD row opens its instances, as k9s does.

use super::harness::*;

const SCENARIO: &str = "nodes: 1
namespaces:
  - name: shop
    deployments:
      - { name: web, replicas: 1 }
";

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets, singular: gadget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

const GADGET: &str = "apiVersion: example.com/v1
kind: Gadget
metadata: {name: sprocket, namespace: shop}
spec: {size: 42}
";

#[test]
fn a_crd_applied_after_start_is_browsable_at_once() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let t = Tmux::start(
        &session_name("crds"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n shop"),
    );
    t.wait_for("pods(shop)[1]");
    // Two applies, as a user must: kubectl cannot map the instance before the CRD exists.
    for (name, text) in [("crd.yaml", CRD), ("gadget.yaml", GADGET)] {
        let file = home.path().join(name);
        std::fs::write(&file, text).unwrap();
        kubectl(&sim.kubeconfig, &["apply", "-f", file.to_str().unwrap()]);
    }
    // kubectl sees the instance; kdeck, started before the CRD existed, must too.
    let seen = kubectl(
        &sim.kubeconfig,
        &["get", "gadgets", "-n", "shop", "-o", "name"],
    );
    assert_eq!(seen.trim(), "gadget.example.com/sprocket");
    t.literal(":gadgets");
    t.keys(&["Enter"]);
    let screen = t.wait_for("gadgets(shop)[1]");
    assert!(
        screen.contains("SIZE") && screen.contains("sprocket") && screen.contains("42"),
        "{screen}"
    );
    // From the CRD list, enter opens the CRD's instances.
    t.literal(":crds");
    t.keys(&["Enter"]);
    t.wait_for("gadgets.example.com");
    t.keys(&["Enter"]);
    t.wait_for("gadgets(shop)[1]");
}
