//! Shell-style words of one rule line, without copying.
//!
//! iptables-save quotes a value only when it contains spaces and escapes
//! `"` and `\` inside it with a backslash (iptables `xtables.c`
//! `xtables_save_string`); rules pasted from a shell may also use single
//! quotes. Words are borrowed from the line unless an escape or a quote
//! in the middle forces a copy.

use std::borrow::Cow;

/// Why a line's quoting does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A quote is opened and never closed.
    #[error("unterminated quote")]
    Unterminated,
    /// The line ends in a backslash that escapes nothing.
    #[error("backslash at the end of the line")]
    TrailingBackslash,
}

/// What a word is to the rule it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// An unquoted word starting with `-`: an option name.
    Option,
    /// An unquoted `!`: negates an option.
    Bang,
    /// Anything else, including every quoted word (a quoted `"-x"` or
    /// `"!"` is a value).
    Value,
}

/// How a word's text is read from what was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// No quote or escape: the word is its text.
    Plain,
    /// The whole word in double quotes, without escapes (iptables-save's
    /// comments): the text is what is between them.
    Quoted,
    /// Anything else: quotes and escapes resolved by a copy.
    Resolved,
}

/// One word: where it is in its line, how its text is read, and its role.
/// Twelve bytes, so it travels in registers: every rule of a big dump is
/// read word by word, and words held as a `Cow` (moved through
/// `Option<Result<…>>` and a look-ahead slot) stalled on half-overlapping
/// copies through memory for half the time of reading a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word {
    start: u32,
    end: u32,
    form: Form,
    role: Role,
}

impl Word {
    /// What the word is to its rule.
    pub fn role(self) -> Role {
        self.role
    }
}

/// The words of one line, read front to back.
#[derive(Clone, Copy, Debug)]
pub struct Words<'a> {
    line: &'a str,
    /// Where the unread text starts.
    at: u32,
}

impl<'a> Words<'a> {
    /// The words of `line`. Offsets are 32-bit: a line over 4 GiB (which
    /// no save tool writes) reads as having no words.
    pub fn new(line: &'a str) -> Self {
        let line = if u32::try_from(line.len()).is_ok() {
            line
        } else {
            ""
        };
        Words { line, at: 0 }
    }

    /// The next word, without reading past it; `None` at the end of the
    /// line. Always inlined: returned from a call, the word went through
    /// memory and stalled as the `Cow`s did (rustc left this one out of
    /// line).
    #[inline(always)]
    pub fn peek(&self) -> Option<Result<Word, QuoteError>> {
        let from = self.at as usize;
        let rest = self.line.as_bytes().get(from..)?;
        let blanks = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let word = rest.get(blanks..).filter(|w| !w.is_empty())?;
        let scanned = match fast_scan(word) {
            Some(fast) => fast,
            None => match scan(word) {
                Ok(scanned) => scanned,
                Err(e) => return Some(Err(e)),
            },
        };
        // Both fit: the line's length does.
        let start = (from + blanks) as u32;
        let word = Word {
            start,
            end: start + scanned.len as u32,
            form: scanned.form,
            role: scanned.role,
        };
        Some(Ok(word))
    }

    /// Read past `word` (one [`Words::peek`] gave).
    pub fn skip(&mut self, word: Word) {
        self.at = word.end;
    }

    /// The word as written.
    fn raw(&self, word: Word) -> &'a str {
        self.line
            .get(word.start as usize..word.end as usize)
            .unwrap_or_default()
    }

    /// The text of `word`, quotes removed and escapes resolved.
    pub fn text(&self, word: Word) -> Cow<'a, str> {
        let raw = self.raw(word);
        match word.form {
            Form::Plain => Cow::Borrowed(raw),
            Form::Quoted => Cow::Borrowed(raw.get(1..raw.len() - 1).unwrap_or_default()),
            Form::Resolved => Cow::Owned(unquote(raw)),
        }
    }
}

/// Check a whole line's quoting without building words: the same errors
/// [`Words::peek`] gives, jumping from quote to quote (found with SIMD:
/// every rule of a dump is checked as it is parsed, and most have one
/// quoted comment in 150 bytes).
pub fn validate(text: &str) -> Result<(), QuoteError> {
    let mut rest = text.as_bytes();
    while let Some(i) = memchr::memchr3(b'"', b'\'', b'\\', rest) {
        let after = rest.get(i + 1..).unwrap_or_default();
        rest = match rest.get(i) {
            Some(b'\\') => after.get(1..).ok_or(QuoteError::TrailingBackslash)?,
            Some(b'\'') => {
                let close = memchr::memchr(b'\'', after).ok_or(QuoteError::Unterminated)?;
                after.get(close + 1..).unwrap_or_default()
            }
            _ => after_double_quote(after)?,
        };
    }
    Ok(())
}

/// The bytes after the `"` closing a double-quoted part (backslash escapes
/// the next byte).
fn after_double_quote(mut rest: &[u8]) -> Result<&[u8], QuoteError> {
    loop {
        let i = memchr::memchr2(b'"', b'\\', rest).ok_or(QuoteError::Unterminated)?;
        if rest.get(i) == Some(&b'"') {
            return Ok(rest.get(i + 1..).unwrap_or_default());
        }
        rest = rest.get(i + 2..).ok_or(QuoteError::Unterminated)?;
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

/// Where one word ends (its length as written), how its text is read and
/// what it is.
struct Scan {
    len: usize,
    form: Form,
    role: Role,
}

/// The role of an unquoted word's text.
fn role_of(text: &[u8]) -> Role {
    match text {
        [b'!'] => Role::Bang,
        [b'-', _, ..] => Role::Option,
        _ => Role::Value,
    }
}

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
            len: stop,
            form: Form::Plain,
            role: role_of(bytes.get(..stop).unwrap_or_default()),
        });
    }
    if stop != 0 || bytes.first() != Some(&b'"') {
        return None;
    }
    let inner = bytes.get(1..)?;
    let close = inner.iter().position(|&b| b == b'"' || b == b'\\')?;
    let ends = matches!(inner.get(close + 1), None | Some(b' ' | b'\t'));
    (inner.get(close) == Some(&b'"') && ends).then_some(Scan {
        len: close + 2,
        form: Form::Quoted,
        role: Role::Value,
    })
}

/// Any other word: quotes and escapes followed one byte at a time (kept
/// out of line, so the common words' path stays small).
#[inline(never)]
fn scan(bytes: &[u8]) -> Result<Scan, QuoteError> {
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
        return Err(QuoteError::Unterminated);
    }
    let raw = bytes.get(..i).ok_or(QuoteError::TrailingBackslash)?;
    let whole_quoted = raw.len() >= 2
        && raw.first() == Some(&b'"')
        && raw.last() == Some(&b'"')
        && !raw.get(1..raw.len() - 1).is_some_and(|s| s.contains(&b'"'));
    let (form, role) = match (escapes, quoted) {
        (false, false) => (Form::Plain, role_of(raw)),
        (false, true) if whole_quoted => (Form::Quoted, Role::Value),
        (_, true) => (Form::Resolved, Role::Value),
        (true, false) => {
            let text = std::str::from_utf8(raw).map(unquote).unwrap_or_default();
            (Form::Resolved, role_of(text.as_bytes()))
        }
    };
    Ok(Scan { len: i, form, role })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word of `text` with its text and role, up to and including a
    /// quoting error.
    fn tokens(text: &str) -> Vec<Result<(Cow<'_, str>, Role), QuoteError>> {
        let mut words = Words::new(text);
        let mut out = Vec::new();
        while let Some(next) = words.peek() {
            match next {
                Ok(word) => {
                    out.push(Ok((words.text(word), word.role())));
                    words.skip(word);
                }
                Err(e) => {
                    out.push(Err(e));
                    break;
                }
            }
        }
        out
    }

    fn words(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .map(|t| t.expect("valid").0.into_owned())
            .collect()
    }

    #[test]
    fn plain_words_are_borrowed() {
        let toks = tokens("-d 10.0.0.1/32  -p tcp");
        assert_eq!(toks.len(), 4);
        assert!(toks.iter().all(|t| matches!(t, Ok((Cow::Borrowed(_), _)))));
    }

    #[test]
    fn double_quoted_comment_is_one_borrowed_word() {
        let toks = tokens(r#"--comment "default/hello: cluster IP" -j X"#);
        let (text, role) = toks[1].as_ref().unwrap();
        assert_eq!(text, "default/hello: cluster IP");
        assert_eq!(*role, Role::Value);
        assert!(matches!(text, Cow::Borrowed(_)));
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
        assert!(tokens(r#"--comment "open"#).iter().any(|t| t.is_err()));
        assert!(tokens("trailing\\").iter().any(|t| t.is_err()));
    }

    proptest::proptest! {
        #[test]
        fn validate_agrees_with_the_tokenizer(text in "[a-z \"'\\\\!-]{0,40}") {
            let tokenized = tokens(&text).into_iter().find_map(Result::err);
            proptest::prop_assert_eq!(validate(&text).err(), tokenized);
        }
    }

    #[test]
    fn quoted_bang_and_dash_are_values() {
        let roles: Vec<Role> = tokens(r#"! "!" "-x" -x \-y 'a'\! - !x"#)
            .into_iter()
            .map(|t| t.unwrap().1)
            .collect();
        use Role::{Bang, Option, Value};
        // An escaped word is unquoted: `\-y` is the option `-y`.
        assert_eq!(
            roles,
            [Bang, Value, Value, Option, Option, Value, Value, Value]
        );
    }
}
