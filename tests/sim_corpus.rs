#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The sim against a real kube-apiserver: every exchange recorded from v1.28 (the corpus in
//! `shared/apiserver-1.28`, see its README) is replayed, in order, against a sim holding the same state,
//! and both answers are compared on shape — status code, `Status` reason/code/details keys, Table
//! columns and rows, list kinds, watch event sequences, discovery — not on names, uids,
//! resourceVersions or times. Cases that cannot apply to the sim are listed with a reason in
//! `sim_corpus/skips.rs`; every other case must match, and all mismatches are reported at once.

mod sim_support;

#[path = "sim_corpus/case.rs"]
mod case;
#[path = "sim_corpus/client.rs"]
mod client;
#[path = "sim_corpus/runner.rs"]
mod runner;
#[path = "sim_corpus/setup.rs"]
mod setup;
#[path = "sim_corpus/shape.rs"]
mod shape;
#[path = "sim_corpus/skips.rs"]
mod skips;

use std::collections::BTreeMap;
use std::sync::Arc;

use kdeck::sim::Scenario;
use sim_support::TestSim;

/// The kinds the sim serves anywhere (from its aggregated discovery).
async fn served_kinds(c: &client::Clients) -> std::collections::BTreeSet<String> {
    let mut kinds = std::collections::BTreeSet::new();
    for path in ["/api", "/apis"] {
        let mut req = client::Req::new("GET", path);
        req.accept =
            Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList".into());
        let (_, doc) = setup::call(c, req).await;
        for g in doc["items"].as_array().into_iter().flatten() {
            for v in g["versions"].as_array().into_iter().flatten() {
                for r in v["resources"].as_array().into_iter().flatten() {
                    if let Some(k) = r["responseKind"]["kind"].as_str() {
                        kinds.insert(k.to_string());
                    }
                }
            }
        }
    }
    assert!(kinds.contains("Pod"), "{kinds:?}");
    kinds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sim_answers_like_kube_apiserver_1_28() {
    let cases = case::all();
    assert!(cases.len() >= 500, "{} cases", cases.len());
    for (file, _) in skips::SKIPS {
        assert!(
            cases.iter().any(|c| c.file == *file),
            "the skip list names {file}, which is not in the corpus"
        );
    }
    // Two nodes, as the recording's cluster had. Its namespaces are seeded (setup/state.yaml then only
    // labels them) because the sim publishes `kube-root-ca.crt` only into namespaces it seeds.
    let ns = |name: &str| kdeck::sim::NamespaceSpec {
        name: name.into(),
        ..Default::default()
    };
    let t = TestSim::start(Scenario {
        nodes: 2,
        log_rate: 0.0,
        namespaces: vec![ns("shop"), ns("empty")],
        ..Scenario::default()
    })
    .await;
    let clients = Arc::new(client::Clients::new(&t).await);
    setup::build(&clients).await;
    let claimed = served_kinds(&clients).await;
    let set_faults = |f: kdeck::sim::FaultSpec| t.sim.set_faults(f);
    let mut runner = runner::Runner::new(clients.clone(), &set_faults).await;
    let mut gaps: BTreeMap<&str, Vec<u32>> = BTreeMap::new();

    let mut mismatches: Vec<String> = Vec::new();
    let mut skipped: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut passed = 0;
    for case in &cases {
        // A skipped case is still sent: later cases build on what it did to the cluster.
        let t0 = std::time::Instant::now();
        let mut answer = runner.run(case, &cases).await;
        if matches!(case.recorded.body, shape::Body::Omitted) {
            answer.body = shape::Body::Omitted;
        }
        if std::env::var_os("KDECK_CORPUS_TRACE").is_some() {
            eprintln!("{} {} in {:?}", case.file, answer.status, t0.elapsed());
        }
        let mut diffs = shape::diff(
            &shape::only_claimed(shape::shape(&case.recorded), &claimed),
            &shape::shape(&shape::without_newer_columns(answer)),
        );
        diffs.retain(|d| match skips::discovery_gap(d) {
            Some(reason) => {
                gaps.entry(reason).or_default().push(case.num);
                false
            }
            None => true,
        });
        if let Some(reason) = skips::reason(&case.file) {
            skipped.entry(reason).or_default().push(case.num);
            // A skip that is no longer needed hides a case that should be checked (a timing-dependent
            // one may match by chance).
            if diffs.is_empty() && !reason.starts_with("timing:") {
                mismatches.push(format!(
                    "{} now matches the recording: take it off the skip list ({reason})",
                    case.file
                ));
            }
            continue;
        }
        if diffs.is_empty() {
            passed += 1;
        }
        for d in diffs {
            mismatches.push(format!(
                "{} ({} {}): {d}",
                case.file, case.method, case.path
            ));
        }
    }
    let n_skipped: usize = skipped.values().map(Vec::len).sum();
    eprintln!(
        "{} cases: {} replayed, {passed} match, {n_skipped} skipped",
        cases.len(),
        cases.len() - n_skipped
    );
    for (reason, nums) in &skipped {
        eprintln!("  skipped {nums:?}: {reason}");
    }
    for (reason, nums) in &mut gaps {
        nums.dedup();
        eprintln!("  discovery gap in {nums:?}: {reason}");
    }
    assert!(
        mismatches.is_empty(),
        "{} shape mismatches with kube-apiserver 1.28:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
