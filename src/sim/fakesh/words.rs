//! Splits one shell command line into words, list operators and redirections, expanding `$VAR`,
//! `${VAR}` and `$?` outside single quotes. Enough of POSIX sh for the command lines that clients send
//! to `exec` (k9s's `command -v bash >/dev/null && exec bash || exec sh`) and for a person typing.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Redirect(Redirect),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `N>FILE` or `N>>FILE` (fd 1 or 2); `&>FILE` is both.
    ToFile { fd: u8, both: bool, file: String },
    /// `2>&1`.
    ErrToOut,
    /// `>&2`.
    OutToErr,
}

/// The list operator (`&&`, `||` or `;`) after a command and where the next command starts.
pub type Next = Option<(&'static str, usize)>;

/// Tokenizes the simple command starting at `start`; `var` looks up a variable (`?` for the last
/// status). Commands are tokenized one at a time so `$?` sees the status of the one before.
pub fn next_command(
    chars: &[char],
    start: usize,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<Token>, Next), String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut pending_redirect: Option<(u8, bool)> = None;
    let mut i = start;
    let flush = |word: &mut String,
                 in_word: &mut bool,
                 out: &mut Vec<Token>,
                 pending: &mut Option<(u8, bool)>| {
        if *in_word {
            let w = std::mem::take(word);
            match pending.take() {
                Some((fd, both)) => {
                    out.push(Token::Redirect(Redirect::ToFile { fd, both, file: w }))
                }
                None => out.push(Token::Word(w)),
            }
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..].iter().take(4).collect();
        match c {
            ' ' | '\t' => {
                flush(&mut word, &mut in_word, &mut out, &mut pending_redirect);
                i += 1;
            }
            '#' if !in_word => break,
            '&' | '|' | ';' => {
                flush(&mut word, &mut in_word, &mut out, &mut pending_redirect);
                let op = if rest.starts_with("&&") {
                    "&&"
                } else if rest.starts_with("||") {
                    "||"
                } else if c == ';' {
                    ";"
                } else if rest.starts_with("&>") {
                    pending_redirect = Some((1, true));
                    i += 2;
                    continue;
                } else {
                    return Err(format!("syntax error: unsupported operator `{c}'"));
                };
                return Ok((out, Some((op, i + op.len()))));
            }
            '>' | '1' | '2' if c == '>' || (!in_word && is_redirect(&rest)) => {
                flush(&mut word, &mut in_word, &mut out, &mut pending_redirect);
                if rest.starts_with("2>&1") {
                    out.push(Token::Redirect(Redirect::ErrToOut));
                    i += 4;
                    continue;
                }
                if rest.starts_with(">&2") || rest.starts_with("1>&2") {
                    out.push(Token::Redirect(Redirect::OutToErr));
                    i += if c == '>' { 3 } else { 4 };
                    continue;
                }
                let fd = if c == '2' { 2 } else { 1 };
                i += if c == '>' { 1 } else { 2 };
                if chars.get(i) == Some(&'>') {
                    i += 1;
                }
                pending_redirect = Some((fd, false));
            }
            '\'' => {
                in_word = true;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == '\'')
                    .ok_or("syntax error: unterminated quoted string")?;
                word.extend(&chars[i + 1..i + 1 + end]);
                i += end + 2;
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("syntax error: unterminated quoted string".into()),
                        Some('"') => break,
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\' | '$')) => {
                            word.push(chars[i + 1]);
                            i += 2;
                        }
                        Some('$') => i = expand(chars, i, &mut word, var),
                        Some(&x) => {
                            word.push(x);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '\\' => {
                in_word = true;
                if let Some(&x) = chars.get(i + 1) {
                    word.push(x);
                }
                i += 2;
            }
            '$' => {
                // An unquoted expansion to nothing is no word at all.
                let before = word.len();
                i = expand(chars, i, &mut word, var);
                in_word |= word.len() > before;
            }
            _ => {
                in_word = true;
                word.push(c);
                i += 1;
            }
        }
    }
    flush(&mut word, &mut in_word, &mut out, &mut pending_redirect);
    if pending_redirect.is_some() {
        return Err("syntax error: unexpected newline".into());
    }
    Ok((out, None))
}

fn is_redirect(rest: &str) -> bool {
    rest.starts_with('>') || rest.starts_with("1>") || rest.starts_with("2>")
}

/// Expands the `$…` at `i` into `word` and returns the index after it.
fn expand(
    chars: &[char],
    i: usize,
    word: &mut String,
    var: &dyn Fn(&str) -> Option<String>,
) -> usize {
    let name_char = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    match chars.get(i + 1) {
        Some('?') => {
            word.push_str(&var("?").unwrap_or_default());
            i + 2
        }
        Some('{') => match chars[i + 2..].iter().position(|&c| c == '}') {
            Some(end) => {
                let name: String = chars[i + 2..i + 2 + end].iter().collect();
                word.push_str(&var(&name).unwrap_or_default());
                i + 3 + end
            }
            None => {
                word.push('$');
                i + 1
            }
        },
        Some(c) if name_char(c) => {
            let len = chars[i + 1..].iter().take_while(|c| name_char(c)).count();
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            word.push_str(&var(&name).unwrap_or_default());
            i + 1 + len
        }
        _ => {
            word.push('$');
            i + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All commands of a line, with the operators between them as words.
    fn tokenize(line: &str) -> Result<Vec<Token>, String> {
        let chars: Vec<char> = line.chars().collect();
        let var = |v: &str| match v {
            "HOSTNAME" => Some("web-0".to_string()),
            "?" => Some("3".to_string()),
            _ => None,
        };
        let (mut all, mut at) = (Vec::new(), 0);
        loop {
            let (tokens, next) = next_command(&chars, at, &var)?;
            all.extend(tokens);
            match next {
                Some((op, i)) => {
                    all.push(Token::Word(op.to_string()));
                    at = i;
                }
                None => return Ok(all),
            }
        }
    }

    fn words(line: &str) -> Vec<Token> {
        tokenize(line).unwrap()
    }

    fn w(s: &str) -> Token {
        Token::Word(s.into())
    }

    #[test]
    fn splits_quotes_and_expands_variables() {
        assert_eq!(
            words(r#"echo "a  b" 'c $HOSTNAME' $HOSTNAME ${HOSTNAME}x $? $NOPE \$"#),
            vec![
                w("echo"),
                w("a  b"),
                w("c $HOSTNAME"),
                w("web-0"),
                w("web-0x"),
                w("3"),
                w("$")
            ]
        );
    }

    #[test]
    fn parses_the_k9s_shell_probe() {
        assert_eq!(
            words("command -v bash >/dev/null && exec bash || exec sh"),
            vec![
                w("command"),
                w("-v"),
                w("bash"),
                Token::Redirect(Redirect::ToFile {
                    fd: 1,
                    both: false,
                    file: "/dev/null".into()
                }),
                w("&&"),
                w("exec"),
                w("bash"),
                w("||"),
                w("exec"),
                w("sh"),
            ]
        );
    }

    #[test]
    fn redirections_and_errors() {
        assert_eq!(
            words("ls 2> /dev/null 2>&1 >&2; a2>b"),
            vec![
                w("ls"),
                Token::Redirect(Redirect::ToFile {
                    fd: 2,
                    both: false,
                    file: "/dev/null".into()
                }),
                Token::Redirect(Redirect::ErrToOut),
                Token::Redirect(Redirect::OutToErr),
                w(";"),
                w("a2"),
                Token::Redirect(Redirect::ToFile {
                    fd: 1,
                    both: false,
                    file: "b".into()
                }),
            ]
        );
        assert!(tokenize("echo 'open").is_err());
        assert!(tokenize("ls | wc").is_err());
        assert!(tokenize("echo >").is_err());
    }
}
