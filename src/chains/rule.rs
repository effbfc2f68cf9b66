//! The options of one rule that kube-proxy's chains are read from, parsed
//! position-independently.
//!
//! iptables-save reorders options (`-d … -p tcp -m comment --comment … -m
//! tcp --dport 443`) while kube-proxy writes them in its own order, and
//! `iptables -S` output matches iptables-save's (FORMATS.md B.5). So each
//! option is recognised by name wherever it appears; unknown options and
//! their values are skipped.

use std::borrow::Cow;

use super::token::{Role, Word, Words};

/// An address option (`-s`/`-d`) with its negation.
#[derive(Clone, Debug, PartialEq)]
pub struct Addr<'a> {
    /// `10.0.0.1/32` as written.
    pub value: Cow<'a, str>,
    /// `! -s …`.
    pub negated: bool,
}

/// `-m recent` as kube-proxy uses it for session affinity
/// (`pkg/proxy/iptables/proxier.go`: `--rcheck --seconds N --reap` in the
/// service chain, `--set` in the endpoint chain).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recent<'a> {
    /// `--name` (the endpoint chain's name).
    pub name: Option<Cow<'a, str>>,
    /// `--rcheck`: the affinity lookup.
    pub rcheck: bool,
    /// `--set`: the affinity record.
    pub set: bool,
    /// `--seconds`: the affinity timeout.
    pub seconds: Option<u32>,
}

/// The options of a rule that matter for reading kube-proxy's chains.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSpec<'a> {
    /// `-m comment --comment` (the first one).
    pub comment: Option<Cow<'a, str>>,
    /// `-s`.
    pub source: Option<Addr<'a>>,
    /// `-d`.
    pub destination: Option<Addr<'a>>,
    /// `-p`.
    pub protocol: Option<Cow<'a, str>>,
    /// `--dport`.
    pub dport: Option<Cow<'a, str>>,
    /// `-j` or `-g`.
    pub target: Option<Cow<'a, str>>,
    /// `-m statistic --mode random --probability P`.
    pub probability: Option<f64>,
    /// The probability as written (iptables-save prints the stored 32-bit
    /// fraction, e.g. `0.33332999982`).
    pub probability_text: Option<Cow<'a, str>>,
    /// `-m recent`.
    pub recent: Option<Recent<'a>>,
    /// `--to-destination` of DNAT.
    pub to_destination: Option<Cow<'a, str>>,
    /// `--to-ports` of REDIRECT.
    pub to_ports: Option<Cow<'a, str>>,
    /// `--set-xmark`/`--set-mark`/`--or-mark` of MARK.
    pub set_mark: Option<Cow<'a, str>>,
    /// `--dst-type LOCAL` (not negated).
    pub dst_local: bool,
    /// `--src-type LOCAL` (not negated).
    pub src_local: bool,
    /// `--match-set NAME` (ipvs mode).
    pub match_set: Option<Cow<'a, str>>,
}

/// The options [`RuleSpec`] reads.
#[derive(Clone, Copy)]
enum Opt {
    Comment,
    Source,
    Destination,
    Protocol,
    Dport,
    Target,
    Probability,
    ToDestination,
    ToPorts,
    SetMark,
    DstType,
    SrcType,
    MatchSet,
    Rcheck,
    Set,
    Seconds,
    Name,
}

impl Opt {
    /// The option `name` spells (iptables' long and short forms), if it
    /// is one that is read.
    fn of(name: &str) -> Option<Opt> {
        Some(match name {
            "--comment" => Opt::Comment,
            "-s" | "--source" | "--src" => Opt::Source,
            "-d" | "--destination" | "--dst" => Opt::Destination,
            "-p" | "--protocol" => Opt::Protocol,
            "--dport" | "--destination-port" => Opt::Dport,
            "-j" | "--jump" | "-g" | "--goto" => Opt::Target,
            "--probability" => Opt::Probability,
            "--to-destination" => Opt::ToDestination,
            "--to-ports" => Opt::ToPorts,
            "--set-xmark" | "--set-mark" | "--or-mark" => Opt::SetMark,
            "--dst-type" => Opt::DstType,
            "--src-type" => Opt::SrcType,
            "--match-set" => Opt::MatchSet,
            "--rcheck" => Opt::Rcheck,
            "--set" => Opt::Set,
            "--seconds" => Opt::Seconds,
            "--name" => Opt::Name,
            _ => return None,
        })
    }
}

/// The words of a rule not read yet, and the negation state: `! --opt`
/// negates the option after it, and old iptables also accepted `--opt !
/// value`.
struct Cursor<'a> {
    words: Words<'a>,
    negated: bool,
    /// A `!` met while looking for a value belongs to the next option.
    carry: bool,
}

// `peek` and `value` are always inlined for the reason `Words::peek` is:
// a word returned from a call goes through memory (about 195 against 270 ns
// a rule when rustc left them out of line).
impl<'a> Cursor<'a> {
    /// The next word, without reading past it; a tokenizing error ends
    /// the words.
    #[inline(always)]
    fn peek(&self) -> Option<Word> {
        self.words.peek()?.ok()
    }

    /// The next word.
    fn next(&mut self) -> Option<Word> {
        let word = self.peek()?;
        self.words.skip(word);
        Some(word)
    }

    /// The value of the option just read: the next word unless it is an
    /// option.
    #[inline(always)]
    fn value(&mut self) -> Option<Word> {
        let word = self.peek()?;
        match word.role() {
            Role::Value => {
                self.words.skip(word);
                return Some(word);
            }
            Role::Option => return None,
            Role::Bang => self.words.skip(word),
        }
        match self.peek() {
            Some(value) if value.role() == Role::Value => {
                self.words.skip(value);
                self.negated = true;
                Some(value)
            }
            _ => {
                self.carry = true;
                None
            }
        }
    }

    /// [`Cursor::value`] as text.
    fn text(&mut self) -> Option<Cow<'a, str>> {
        let value = self.value()?;
        Some(self.words.text(value))
    }
}

impl<'a> RuleSpec<'a> {
    /// Parse the words after `-A CHAIN`. The parser has already checked the
    /// quoting, so a tokenizing error here cannot happen; if it did, the
    /// rest of the rule would be ignored.
    pub fn parse(text: &'a str) -> RuleSpec<'a> {
        let mut spec = RuleSpec::default();
        let mut cur = Cursor {
            words: Words::new(text),
            negated: false,
            carry: false,
        };
        while let Some(word) = cur.next() {
            match word.role() {
                Role::Bang => {
                    cur.negated = true;
                    continue;
                }
                Role::Option => spec.option(&cur.words.text(word), &mut cur),
                Role::Value => {}
            }
            cur.negated = std::mem::take(&mut cur.carry);
        }
        spec
    }

    fn option(&mut self, name: &str, cur: &mut Cursor<'a>) {
        match Opt::of(name) {
            Some(Opt::Comment) => {
                let v = cur.text();
                self.comment = self.comment.take().or(v);
            }
            Some(Opt::Source) => self.source = addr(cur.text(), cur.negated),
            Some(Opt::Destination) => self.destination = addr(cur.text(), cur.negated),
            Some(Opt::Protocol) => self.protocol = cur.text(),
            Some(Opt::Dport) => self.dport = cur.text(),
            Some(Opt::Target) => self.target = cur.text(),
            Some(Opt::Probability) => {
                self.probability_text = cur.text();
                self.probability = self
                    .probability_text
                    .as_deref()
                    .and_then(|p| p.parse().ok());
            }
            Some(Opt::ToDestination) => self.to_destination = cur.text(),
            Some(Opt::ToPorts) => self.to_ports = cur.text(),
            Some(Opt::SetMark) => self.set_mark = cur.text(),
            Some(Opt::DstType) => {
                self.dst_local = cur.text().is_some_and(|t| t == "LOCAL") && !cur.negated
            }
            Some(Opt::SrcType) => {
                self.src_local = cur.text().is_some_and(|t| t == "LOCAL") && !cur.negated
            }
            Some(Opt::MatchSet) => self.match_set = cur.text(),
            Some(Opt::Rcheck) => self.recent_mut().rcheck = true,
            Some(Opt::Set) => self.recent_mut().set = true,
            Some(Opt::Seconds) => {
                let seconds = cur.text().and_then(|s| s.parse().ok());
                self.recent_mut().seconds = seconds;
            }
            Some(Opt::Name) => {
                let name = cur.text();
                self.recent_mut().name = name;
            }
            // Every other option: skip its values (e.g. `-m tcp`,
            // `--mask 255.255.255.255`), so they are never mistaken for
            // the next option's.
            None => while cur.value().is_some() {},
        }
    }

    fn recent_mut(&mut self) -> &mut Recent<'a> {
        self.recent.get_or_insert_with(Recent::default)
    }

    /// The target as a plain string (`""` when the rule has none).
    pub fn target(&self) -> &str {
        self.target.as_deref().unwrap_or("")
    }

    /// The destination port as a number.
    pub fn port(&self) -> Option<u16> {
        self.dport.as_deref().and_then(|p| p.parse().ok())
    }
}

fn addr(value: Option<Cow<'_, str>>, negated: bool) -> Option<Addr<'_>> {
    value.map(|value| Addr { value, negated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iptables_save_order_is_parsed() {
        let spec = RuleSpec::parse(
            r#"-d 10.100.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU"#,
        );
        assert_eq!(spec.destination.as_ref().unwrap().value, "10.100.0.10/32");
        assert_eq!(spec.protocol.as_deref(), Some("udp"));
        assert_eq!(
            spec.comment.as_deref(),
            Some("kube-system/kube-dns:dns cluster IP")
        );
        assert_eq!(spec.port(), Some(53));
        assert_eq!(spec.target(), "KUBE-SVC-TCOU7JCQXEZGVUNU");
    }

    #[test]
    fn kube_proxy_order_gives_the_same_options() {
        let a = RuleSpec::parse(
            r#"-m comment --comment "ns/svc:p cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-X"#,
        );
        let b = RuleSpec::parse(
            r#"-d 172.30.0.41 -p tcp -m comment --comment "ns/svc:p cluster IP" -m tcp --dport 80 -j KUBE-SVC-X"#,
        );
        assert_eq!(a, b);
    }

    #[test]
    fn negation_applies_to_the_next_option_only() {
        let spec = RuleSpec::parse("! -s 10.244.0.0/16 -d 10.0.0.1/32 -j KUBE-MARK-MASQ");
        assert!(spec.source.unwrap().negated);
        assert!(!spec.destination.unwrap().negated);
        let old = RuleSpec::parse("-s ! 10.244.0.0/16 -j X");
        assert!(old.source.unwrap().negated);
        let local = RuleSpec::parse("-m addrtype ! --dst-type LOCAL -j X");
        assert!(!local.dst_local);
    }

    #[test]
    fn affinity_and_statistic_options() {
        let spec = RuleSpec::parse(
            r#"-m comment --comment "default/kubernetes:https" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A"#,
        );
        let recent = spec.recent.unwrap();
        assert!(recent.rcheck && !recent.set);
        assert_eq!(recent.seconds, Some(10800));
        assert_eq!(recent.name.as_deref(), Some("KUBE-SEP-A"));
        let stat =
            RuleSpec::parse("-m statistic --mode random --probability 0.14286000002 -j KUBE-SEP-V");
        assert!((stat.probability.unwrap() - 0.14286).abs() < 1e-6);
    }

    #[test]
    fn option_names_match_exactly() {
        let spec = RuleSpec::parse(
            "--to-destinationX 1.1.1.1:1 --dportx 9 -jump X --set-xmark 0x4000/0x4000 --name KUBE-SEP-A -j DNAT --to-destination 10.0.0.1:80",
        );
        assert_eq!(spec.to_destination.as_deref(), Some("10.0.0.1:80"));
        assert_eq!(spec.dport, None);
        assert_eq!(spec.target(), "DNAT");
        assert_eq!(spec.set_mark.as_deref(), Some("0x4000/0x4000"));
        assert_eq!(spec.recent.unwrap().name.as_deref(), Some("KUBE-SEP-A"));
        let long = RuleSpec::parse("--destination-port 53 --probability 0.5 -g KUBE-X");
        assert_eq!(long.port(), Some(53));
        assert_eq!(long.probability_text.as_deref(), Some("0.5"));
        assert_eq!(long.target(), "KUBE-X");
    }
}
