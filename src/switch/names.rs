//! Name handling shared by both faces: kubectx's natural list order, and the "did you mean" suggestions
//! for a context name that does not exist.

use std::cmp::Ordering;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Natural order, as kubectx sorts its list: runs of digits compare by value (`dev2` < `dev10`), other
/// runs compare bytewise. Ties (`a01` vs `a1`) fall back to bytes so the order is total.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(cx), Some(cy)) => {
                let (run_x, rest_x) = split_run(x, cx.is_ascii_digit());
                let (run_y, rest_y) = split_run(y, cy.is_ascii_digit());
                let ord = if cx.is_ascii_digit() && cy.is_ascii_digit() {
                    let tx = trim_zeros(run_x);
                    let ty = trim_zeros(run_y);
                    tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty))
                } else {
                    run_x.cmp(run_y)
                };
                if ord != Ordering::Equal {
                    return ord;
                }
                x = rest_x;
                y = rest_y;
            }
        }
    }
}

fn split_run(s: &[u8], digits: bool) -> (&[u8], &[u8]) {
    let end = s
        .iter()
        .position(|c| c.is_ascii_digit() != digits)
        .unwrap_or(s.len());
    s.split_at(end)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c != b'0').unwrap_or(s.len());
    &s[start..]
}

/// Sorts names in kubectx's list order.
pub fn sort_natural(names: &mut [String]) {
    names.sort_by(|a, b| natural_cmp(a, b));
}

/// Up to three names that look like what the user meant: close by edit distance (typos, swapped
/// letters), or containing the typed text as a fuzzy subsequence (`prod` → `prod-eu`). Closest first.
pub fn suggest(wanted: &str, candidates: &[String]) -> Vec<String> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let matcher = SkimMatcherV2::default().ignore_case();
    let lower = wanted.to_lowercase();
    let mut scored: Vec<(u8, i64, &String)> = candidates
        .iter()
        .filter(|c| c.as_str() != wanted)
        .filter_map(|c| {
            let distance = edit_distance(&lower, &c.to_lowercase());
            let allowed = (wanted.chars().count().max(c.chars().count()) / 3).max(1);
            if distance <= allowed {
                return Some((0, distance as i64, c));
            }
            matcher.fuzzy_match(c, wanted).map(|score| (1, -score, c))
        })
        .collect();
    scored.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| natural_cmp(a.2, b.2))
    });
    // Only the best tier: the closest typo matches, or (when nothing is a near typo) the best fuzzy ones.
    let Some(&(best_tier, best_score, _)) = scored.first() else {
        return Vec::new();
    };
    scored
        .into_iter()
        .take_while(|s| best_tier == 1 || (s.0, s.1) == (best_tier, best_score))
        .take(3)
        .map(|(_, _, c)| c.clone())
        .collect()
}

/// The hint line printed after an unknown-name error.
pub fn did_you_mean(suggestions: &[String]) -> Option<String> {
    let quoted: Vec<String> = suggestions.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

/// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, the typo people make.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, slot) in d.iter_mut().enumerate().take(width) {
        *slot = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn natural_order() {
        let mut v = names(&["dev10", "dev2", "Prod", "dev1", "a01", "a1", "b", "a"]);
        sort_natural(&mut v);
        assert_eq!(
            v,
            ["Prod", "a", "a01", "a1", "b", "dev1", "dev2", "dev10"],
            "uppercase sorts before lowercase bytewise, digits by value"
        );
    }

    #[test]
    fn suggests_typos_and_prefixes() {
        let all = names(&["prod-eu", "prod-us", "staging", "dev"]);
        assert_eq!(
            suggest("prod-ue", &all),
            ["prod-eu", "prod-us"],
            "equally close"
        );
        assert_eq!(
            suggest("prod-eux", &all),
            ["prod-eu"],
            "only the closest tier"
        );
        assert_eq!(suggest("stagin", &all), ["staging"]);
        let prod = suggest("prod", &all);
        assert!(prod.contains(&"prod-eu".to_string()) && prod.contains(&"prod-us".to_string()));
        assert!(suggest("zzzzzz", &all).is_empty());
        assert!(suggest("", &all).is_empty());
    }

    #[test]
    fn hint_wording() {
        assert_eq!(did_you_mean(&[]), None);
        assert_eq!(did_you_mean(&names(&["a"])).unwrap(), "did you mean \"a\"?");
        assert_eq!(
            did_you_mean(&names(&["a", "b", "c"])).unwrap(),
            "did you mean \"a\", \"b\" or \"c\"?"
        );
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", "acb"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
