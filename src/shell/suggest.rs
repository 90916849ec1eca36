//! "Did you mean" for an unknown context: the known names closest to what was typed.

/// Up to three names close to `typed` (by edit distance, or containing it), closest first.
pub fn nearest<'a>(typed: &str, names: &'a [String]) -> Vec<&'a str> {
    let typed_l = typed.to_lowercase();
    let limit = (typed.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|n| {
            let nl = n.to_lowercase();
            let d = distance(&typed_l, &nl);
            let contains = !typed_l.is_empty() && (nl.contains(&typed_l) || typed_l.contains(&nl));
            (d <= limit || contains).then_some((if contains { d.min(1) } else { d }, n.as_str()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// The kubectx-style message for an unknown context, with suggestions when there are any.
pub fn unknown_context_message(typed: &str, names: &[String]) -> String {
    let near = nearest(typed, names);
    let mut msg = format!("no context exists with the name: \"{typed}\"");
    if !near.is_empty() {
        msg.push_str(&format!(" (did you mean: {}?)", near.join(", ")));
    }
    msg
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let names: Vec<String> = ["dev", "staging", "prod-eu", "prod-us"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(nearest("stagin", &names), vec!["staging"]);
        assert_eq!(nearest("prod", &names), vec!["prod-eu", "prod-us"]);
        assert!(nearest("zzzzzzzz", &names).is_empty());
        assert_eq!(
            unknown_context_message("dvv", &names),
            "no context exists with the name: \"dvv\" (did you mean: dev?)"
        );
    }
}
