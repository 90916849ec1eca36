//! A linear pre-scan that refuses absurdly deep nesting before the YAML parser sees the text.
//!
//! The parser's cost grows with the square of the nesting depth: a 200 KB file nested 100,000 levels deep
//! (`[[[[…`, `- - - -…`, `{a: {a: …`) took 32 s to reject, and every command (the prompt too) paid it.
//! kubectl rejects such files at once (go-yaml stops at 10,000 levels). No kubeconfig, scenario or theme
//! comes near [`MAX_DEPTH`] levels, and at that depth parsing still costs well under a millisecond, so the
//! scan refuses anything deeper, with the line and column where the limit was crossed.

/// The deepest nesting accepted, counting flow brackets, and block levels as indentation columns / 2.
pub const MAX_DEPTH: usize = 1000;

/// Where a text first nests deeper than [`MAX_DEPTH`]: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub column: usize,
}

/// Scans `text` once. Quoted scalars and comments are skipped so their brackets do not count; a line that
/// starts a new top-level key resets the flow count, so a stray bracket in a plain scalar cannot add up.
pub fn check(text: &str) -> Result<(), TooDeep> {
    let mut flow = 0usize;
    for (n, line) in text.split('\n').enumerate() {
        if line.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            flow = 0;
        }
        // Block depth: indentation plus each `- ` that opens a nested sequence on this line.
        let bytes = line.as_bytes();
        let mut col = 0;
        while col < bytes.len() {
            match bytes[col] {
                b' ' => col += 1,
                b'-' if matches!(bytes.get(col + 1), Some(b' ') | None) => col += 2,
                _ => break,
            }
        }
        if col / 2 > MAX_DEPTH {
            return Err(TooDeep {
                line: n + 1,
                column: MAX_DEPTH * 2 + 1,
            });
        }
        let mut quote: Option<u8> = None;
        let mut i = col;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) => {
                    if b == b'\\' && q == b'"' {
                        i += 1;
                    } else if b == q {
                        quote = None;
                    }
                }
                None => match b {
                    b'#' if i == 0 || bytes[i - 1] == b' ' => break,
                    b'"' | b'\''
                        if i == col || matches!(bytes[i - 1], b' ' | b'[' | b'{' | b',' | b':') =>
                    {
                        quote = Some(b)
                    }
                    b'[' | b'{' => {
                        flow += 1;
                        if flow + col / 2 > MAX_DEPTH {
                            return Err(TooDeep {
                                line: n + 1,
                                column: i + 1,
                            });
                        }
                    }
                    b']' | b'}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            i += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_documents_pass() {
        check("a: [1, {b: '[['}, \"]]{{\"]\nc:\n- - x # [[[[\n").unwrap();
        let nested = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        check(&nested).unwrap();
    }

    #[test]
    fn deep_flow_and_block_nesting_is_refused_where_it_happens() {
        let flow = format!("a: b\nk: {}", "[".repeat(MAX_DEPTH + 1));
        assert_eq!(
            check(&flow),
            Err(TooDeep {
                line: 2,
                column: 4 + MAX_DEPTH
            })
        );
        let block = "- ".repeat(MAX_DEPTH + 1) + "x";
        assert_eq!(check(&block).map_err(|e| e.line), Err(1));
        let mut indented = String::new();
        for level in 0..=MAX_DEPTH + 1 {
            indented.push_str(&" ".repeat(level * 2));
            indented.push_str("a:\n");
        }
        assert!(check(&indented).is_err());
        let map = "{a: ".repeat(MAX_DEPTH + 1);
        assert!(check(&map).is_err());
    }

    #[test]
    fn brackets_in_plain_scalars_do_not_add_up_across_keys() {
        let text = "k: a[\n".repeat(5 * MAX_DEPTH);
        check(&text).unwrap();
    }
}
