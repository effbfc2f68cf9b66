//! Shell-style words of one rule line, without copying.
//!
//! iptables-save quotes a value only when it contains spaces and escapes
//! `"` and `\` inside it with a backslash (iptables `xtables.c`
//! `xtables_save_string`); rules pasted from a shell may also use single
//! quotes. Words are borrowed from the line unless an escape or a quote
//! in the middle forces a copy.

use std::borrow::Cow;

/// One word of a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Token<'a> {
    /// The word with quotes removed and escapes resolved.
    pub text: Cow<'a, str>,
    /// Whether any part was quoted: a quoted word is always a value, even
    /// when it starts with `-` or is `!`.
    pub quoted: bool,
}

impl Token<'_> {
    /// True for an unquoted word starting with `-` (an option name).
    pub fn is_option(&self) -> bool {
        !self.quoted && self.text.starts_with('-') && self.text.len() > 1
    }

    /// True for an unquoted `!`.
    pub fn is_bang(&self) -> bool {
        !self.quoted && self.text == "!"
    }
}

/// Iterator over the words of a rule; `Clone` is a cheap look-ahead.
#[derive(Clone, Debug)]
pub struct Tokens<'a> {
    rest: &'a str,
}

/// Splits `text` into words.
pub fn tokens(text: &str) -> Tokens<'_> {
    Tokens { rest: text }
}

/// Check a whole line's quoting without building words: the same errors
/// [`tokens`] gives, jumping from quote to quote.
pub fn validate(text: &str) -> Result<(), &'static str> {
    let mut rest = text.as_bytes();
    while let Some(i) = rest
        .iter()
        .position(|&b| QUOTING.get(usize::from(b)) == Some(&true))
    {
        let after = rest.get(i + 1..).unwrap_or_default();
        rest = match rest.get(i) {
            Some(b'\\') => after.get(1..).ok_or("backslash at the end of the line")?,
            Some(b'\'') => {
                let close = after
                    .iter()
                    .position(|&b| b == b'\'')
                    .ok_or("unterminated quote")?;
                after.get(close + 1..).unwrap_or_default()
            }
            _ => after_double_quote(after)?,
        };
    }
    Ok(())
}

/// The bytes after the `"` closing a double-quoted part (backslash escapes
/// the next byte).
fn after_double_quote(mut rest: &[u8]) -> Result<&[u8], &'static str> {
    loop {
        let i = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .ok_or("unterminated quote")?;
        if rest.get(i) == Some(&b'"') {
            return Ok(rest.get(i + 1..).unwrap_or_default());
        }
        rest = rest.get(i + 2..).ok_or("unterminated quote")?;
    }
}

/// The bytes that end a plain word: blanks, quotes and backslash (a table
/// lookup per byte instead of five comparisons; words are scanned on every
/// rule read).
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b' ' as usize] = true;
    table[b'\t' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The bytes [`validate`] stops at: quotes and backslash.
const QUOTING: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The two common words, found without the state machine: a word with no
/// quote or backslash, and a whole word in double quotes without escapes
/// (iptables-save's comments).
fn fast_scan(bytes: &[u8]) -> Option<Scan> {
    let stop = bytes
        .iter()
        .position(|&b| SPECIAL.get(usize::from(b)) == Some(&true))
        .unwrap_or(bytes.len());
    if matches!(bytes.get(stop), None | Some(b' ' | b'\t')) {
        return Some(Scan {
            end: stop,
            quoted: false,
            plain: true,
        });
    }
    if stop != 0 || bytes.first() != Some(&b'"') {
        return None;
    }
    let inner = bytes.get(1..)?;
    let close = inner.iter().position(|&b| b == b'"' || b == b'\\')?;
    let ends = matches!(inner.get(close + 1), None | Some(b' ' | b'\t'));
    (inner.get(close) == Some(&b'"') && ends).then_some(Scan {
        end: close + 2,
        quoted: true,
        plain: true,
    })
}

/// Where one word ends and whether it needs unquoting.
struct Scan {
    end: usize,
    quoted: bool,
    plain: bool,
}

fn scan(word: &str) -> Result<Scan, &'static str> {
    let bytes = word.as_bytes();
    if let Some(fast) = fast_scan(bytes) {
        return Ok(fast);
    }
    let (mut i, mut quote, mut quoted, mut escapes) = (0, None::<u8>, false, false);
    while let Some(&b) = bytes.get(i) {
        match (quote, b) {
            (None, b' ' | b'\t') => break,
            (None, b'"' | b'\'') => {
                quote = Some(b);
                quoted = true;
            }
            (Some(q), _) if q == b => quote = None,
            (Some(b'\''), _) => {}
            (_, b'\\') => {
                escapes = true;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if quote.is_some() {
        return Err("unterminated quote");
    }
    if i > bytes.len() {
        return Err("backslash at the end of the line");
    }
    let whole_quoted = i >= 2
        && bytes.first() == Some(&b'"')
        && bytes.get(i - 1) == Some(&b'"')
        && !word.get(1..i - 1).is_some_and(|s| s.contains('"'));
    let plain = !escapes && (!quoted || whole_quoted);
    Ok(Scan {
        end: i,
        quoted,
        plain,
    })
}

/// Resolve quotes and escapes of one word (the rare, copying path).
fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (Some('\''), _) => out.push(c),
            (_, '\\') => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    out
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        let blanks = self
            .rest
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let word = self.rest.get(blanks..).unwrap_or_default();
        if word.is_empty() {
            self.rest = word;
            return None;
        }
        let scanned = match scan(word) {
            Ok(s) => s,
            Err(e) => {
                self.rest = "";
                return Some(Err(e));
            }
        };
        let (raw, rest) = word.split_at(scanned.end.min(word.len()));
        self.rest = rest;
        let text = match (scanned.plain, scanned.quoted) {
            (true, false) => Cow::Borrowed(raw),
            (true, true) => Cow::Borrowed(raw.get(1..raw.len() - 1).unwrap_or_default()),
            (false, _) => Cow::Owned(unquote(raw)),
        };
        Some(Ok(Token {
            text,
            quoted: scanned.quoted,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text)
            .map(|t| t.expect("valid").text.into_owned())
            .collect()
    }

    #[test]
    fn plain_words_are_borrowed() {
        let toks: Vec<_> = tokens("-d 10.0.0.1/32  -p tcp")
            .map(|t| t.unwrap())
            .collect();
        assert_eq!(toks.len(), 4);
        assert!(toks.iter().all(|t| matches!(t.text, Cow::Borrowed(_))));
    }

    #[test]
    fn double_quoted_comment_is_one_borrowed_word() {
        let toks: Vec<_> = tokens(r#"--comment "default/hello: cluster IP" -j X"#)
            .map(|t| t.unwrap())
            .collect();
        assert_eq!(toks[1].text, "default/hello: cluster IP");
        assert!(toks[1].quoted);
        assert!(matches!(toks[1].text, Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_and_single_quotes_are_resolved() {
        assert_eq!(
            words(r#"--comment "say \"hi\" \\ now" 'a b' c\ d"#),
            vec!["--comment", r#"say "hi" \ now"#, "a b", "c d"]
        );
        assert_eq!(words(r#"pre"fix suf"fix"#), vec!["prefix suffix"]);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        assert!(tokens(r#"--comment "open"#).any(|t| t.is_err()));
        assert!(tokens("trailing\\").any(|t| t.is_err()));
    }

    proptest::proptest! {
        #[test]
        fn validate_agrees_with_the_tokenizer(text in "[a-z \"'\\\\!-]{0,40}") {
            let tokenized = tokens(&text).find_map(Result::err);
            proptest::prop_assert_eq!(validate(&text).err(), tokenized);
        }
    }

    #[test]
    fn quoted_bang_and_dash_are_values() {
        let toks: Vec<_> = tokens(r#"! "!" "-x" -x"#).map(|t| t.unwrap()).collect();
        assert!(toks[0].is_bang());
        assert!(!toks[1].is_bang());
        assert!(!toks[2].is_option());
        assert!(toks[3].is_option());
    }
}
