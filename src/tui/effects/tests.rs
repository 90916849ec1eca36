use std::path::PathBuf;

use tokio::sync::mpsc::unbounded_channel;

use super::*;
use crate::kubeconfig::{Origin, Resolution};

/// Two attempts at the same context, the first answering last (a server that took its time, k9s
/// #3160): only the later attempt's answer reaches the app; the earlier one is dropped, so it can
/// neither end the new attempt early nor replace the adopted client.
#[tokio::test]
async fn only_the_latest_connection_attempt_is_adopted() {
    let set = KubeconfigSet::from_docs(
        Resolution {
            origin: Origin::Explicit,
            files: vec![PathBuf::from("/nonexistent/kdeck-test-config")],
        },
        Vec::new(),
    );
    let (msgs, _msg_rx) = unbounded_channel();
    let (watches, _watch_rx) = unbounded_channel();
    let (connects, mut conn_rx) = unbounded_channel();
    let mut runner = EffectRunner::new(set, msgs, watches, connects);

    runner.run(vec![Effect::Connect {
        context: "hung".into(),
    }]);
    let first = conn_rx.recv().await.expect("first attempt answers");
    runner.run(vec![Effect::Connect {
        context: "hung".into(),
    }]);
    let second = conn_rx.recv().await.expect("second attempt answers");

    assert!(
        runner.adopt(first).is_none(),
        "a replaced attempt was adopted"
    );
    match runner.adopt(second) {
        Some(Msg::Connected { context, result }) => {
            assert_eq!(context, "hung");
            let err = result.expect_err("no such context in an empty kubeconfig");
            assert!(err.contains("hung"), "{err}");
        }
        other => panic!("the latest attempt was not adopted: {other:?}"),
    }
}
