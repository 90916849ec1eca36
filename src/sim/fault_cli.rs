//! `kdeck sim fault set KEY=VALUE… | clear | show`: the client of a running sim's fault API
//! ([`super::fault_api`]), through the kubeconfig's context (admin credentials).

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::cli::{GlobalArgs, SimFaultAction};

pub fn run(
    global: &GlobalArgs,
    context: Option<&str>,
    action: SimFaultAction,
) -> anyhow::Result<()> {
    let set = crate::kubeconfig::KubeconfigSet::load(global.kubeconfig.as_deref())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let answer = rt.block_on(async {
        let client = crate::cluster::connect(&set, context).await?;
        let call = |method: http::Method, body: Vec<u8>| {
            let client = client.clone();
            async move {
                let req = http::Request::builder()
                    .method(method)
                    .uri(super::fault_api::PATH)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(body)?;
                let text = client
                    .request_text(req)
                    .await
                    .map_err(crate::cluster::error::RequestError::from)?;
                anyhow::Ok(serde_json::from_str::<Value>(&text)?)
            }
        };
        match action {
            SimFaultAction::Show => call(http::Method::GET, Vec::new()).await,
            SimFaultAction::Clear => call(http::Method::DELETE, Vec::new()).await,
            SimFaultAction::Set { pairs } => {
                let now = call(http::Method::GET, Vec::new()).await?;
                let mut faults = now["faults"].clone();
                for pair in &pairs {
                    apply(&mut faults, pair)?;
                }
                call(http::Method::PUT, serde_json::to_vec(&faults)?).await
            }
        }
    })?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

/// Sets one `KEY=VALUE` in the faults object, typed as the field is: numbers, `true`/`false`, a
/// comma-separated list of names.
fn apply(faults: &mut Value, pair: &str) -> anyhow::Result<()> {
    let Some((key, value)) = pair.split_once('=') else {
        bail!("{pair:?} is not KEY=VALUE");
    };
    let Some(obj) = faults.as_object_mut() else {
        bail!("the sim answered no faults object");
    };
    let Some(slot) = obj.get_mut(key) else {
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        bail!("unknown fault {key:?}; the keys are: {}", keys.join(", "));
    };
    *slot = match slot {
        Value::Bool(_) => Value::Bool(
            value
                .parse()
                .with_context(|| format!("{key} takes true or false, not {value:?}"))?,
        ),
        Value::Array(_) => Value::Array(
            value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        Value::Number(_) | Value::Null => {
            let n: serde_json::Number = value
                .parse()
                .with_context(|| format!("{key} takes a number, not {value:?}"))?;
            Value::Number(n)
        }
        _ => Value::String(value.to_string()),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_typed_as_their_fields() {
        let mut f = serde_json::json!({"errorRate": 0.0, "blackhole": false, "kubeletUnreachable": [], "tokenExpirySeconds": null});
        apply(&mut f, "errorRate=0.25").unwrap();
        apply(&mut f, "blackhole=true").unwrap();
        apply(&mut f, "kubeletUnreachable=a,b").unwrap();
        apply(&mut f, "tokenExpirySeconds=60").unwrap();
        assert_eq!(
            f,
            serde_json::json!({"errorRate": 0.25, "blackhole": true, "kubeletUnreachable": ["a", "b"], "tokenExpirySeconds": 60})
        );
        assert!(
            apply(&mut f, "nope=1")
                .unwrap_err()
                .to_string()
                .contains("the keys are")
        );
        assert!(apply(&mut f, "blackhole=maybe").is_err());
        assert!(apply(&mut f, "errorRate").is_err());
    }
}
