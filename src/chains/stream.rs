//! Parsing a dump while it is still being read: a save tool's output as
//! the tool writes it, or a file.
//!
//! iptables-nft-save spends over a second reading the kernel's rules before
//! it prints a line, then prints 26 MB in a few hundred milliseconds (10,000
//! services); parsing each piece as it arrives leaves only the extraction
//! for after the tool exits. Reading a 26 MB file costs about as much as
//! parsing it (the kernel copies it into fresh pages, faulting each in),
//! so a file too is read on one thread while another parses. The text goes
//! into chunks that are never moved or grown (each twice the size of the
//! one before), and the whole lines each read brings are parsed at once,
//! so the dump borrows from chunks that are still being filled. Reads from
//! any [`Read`]; runs nothing itself.

use std::io::{self, Read};
use std::sync::mpsc;

use memmap2::{Advice, MmapMut};

use super::parse::{Dump, ParseError, Parser};
use super::source::not_text;

/// The first chunk's size when the input's is not known; later chunks
/// double it, so a 26 MB dump takes five chunks and at most one chunk's
/// worth of room is ever unused.
const FIRST_CHUNK: usize = 1 << 20;

/// Chunks a dump may take: 40 doublings of 1 MiB is far beyond any dump.
const MAX_CHUNKS: usize = 40;

/// The chunks one input's text is read into, each slot filled in turn.
pub type Chunks = Vec<Option<MmapMut>>;

/// The size of the pieces handed to the parser. Reads ask for at most
/// this much: a file's reads return all that is asked, and the parser
/// would wait for most of the file at once. Smaller reads are gathered
/// until a piece is this big: a save tool writes 4 KiB at a time, and
/// handing each over woke the parser 6,000 times for a big dump.
const PIECE: usize = 1 << 18;

/// What reading and parsing one input gave.
pub enum Streamed<'b> {
    /// The dump, and when it was looked for, its `# Generated` line.
    Parsed {
        /// The rules.
        dump: Dump<'b>,
        /// The first `# Generated` line, when it was looked for.
        header: Option<&'b str>,
    },
    /// A malformed dump: the first bad line.
    Unparsable(ParseError),
    /// Input that is not UTF-8, with its line.
    NotText(anyhow::Error),
}

/// How to read one input.
pub struct Input<'o> {
    /// Names the input in errors.
    pub origin: &'o str,
    /// Whether to look for the `# Generated` header.
    pub want_header: bool,
    /// Its size when known beforehand (a file's), else 0: the text then
    /// goes into one chunk, and the parsed tables are sized for it.
    pub size: usize,
}

/// Read `input` to its end into `chunks`, parsing each piece of whole
/// lines on another thread as soon as it is read. Invalid UTF-8 anywhere
/// wins over a parse error and over a later read error, as when the whole
/// text is checked first.
pub fn read<'b>(
    input: &mut dyn Read,
    chunks: &'b mut Chunks,
    what: &Input<'_>,
) -> io::Result<Streamed<'b>> {
    // One more byte than the size: the read that finds the end then
    // needs no second chunk.
    let first = match what.size {
        0 => FIRST_CHUNK,
        size => size.saturating_add(1),
    };
    read_in(input, chunks, what, first)
}

/// [`read`], with a first chunk of `size` bytes.
fn read_in<'b>(
    input: &mut dyn Read,
    chunks: &'b mut Chunks,
    what: &Input<'_>,
    size: usize,
) -> io::Result<Streamed<'b>> {
    chunks.clear();
    chunks.resize_with(MAX_CHUNKS, || None);
    let mut pieces = Pieces {
        input,
        slots: chunks.iter_mut(),
        rest: &mut [],
        pending: 0,
        size,
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        let parsing = scope.spawn(move || parse_pieces(receiver, what));
        let read = loop {
            match pieces.next(what.origin) {
                Ok(Some(piece)) => {
                    // The parser gave up: the rest need not be read.
                    if sender.send(piece).is_err() {
                        break Ok(());
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        drop(sender);
        match (crate::parallel::join(parsing), read) {
            (not_text @ Streamed::NotText(_), _) => Ok(not_text),
            (_, Err(e)) => Err(e),
            (streamed, Ok(())) => Ok(streamed),
        }
    })
}

/// Parse the pieces `read_in` sends, in order, until they end or one is
/// not UTF-8.
fn parse_pieces<'b>(pieces: mpsc::Receiver<&'b [u8]>, what: &Input<'_>) -> Streamed<'b> {
    let mut parser = Parser::new();
    let mut failed: Option<ParseError> = None;
    let mut header = None;
    // Lines and bytes in the pieces before the current one.
    let mut lines = 0;
    let mut bytes = 0;
    for piece in pieces {
        let text = match std::str::from_utf8(piece) {
            Ok(text) => text,
            Err(e) => {
                let valid = piece.get(..e.valid_up_to()).unwrap_or_default();
                return Streamed::NotText(not_text(what.origin, valid, lines));
            }
        };
        bytes += text.len();
        if what.want_header && header.is_none() {
            header = text.lines().find(|l| l.starts_with("# Generated"));
        }
        if failed.is_none() {
            parser.expect(what.size.saturating_sub(bytes));
            failed = parser.feed(text).err();
        }
        lines = match failed {
            None => parser.lines(),
            // Parsing stopped in or before this piece: count its lines.
            Some(_) => lines + text.bytes().filter(|&b| b == b'\n').count(),
        };
    }
    match failed {
        Some(e) => Streamed::Unparsable(e),
        None => Streamed::Parsed {
            dump: parser.finish(),
            header,
        },
    }
}

/// The input read into chunks that are never moved, handed out as runs of
/// whole lines as soon as [`PIECE`] bytes are read: parsing then keeps
/// pace with the tool instead of waiting for a chunk to fill.
struct Pieces<'b, 'i> {
    input: &'i mut dyn Read,
    slots: std::slice::IterMut<'b, Option<MmapMut>>,
    /// The unused end of the current chunk; its first `pending` bytes are
    /// read but not handed out (at least the unfinished last line).
    rest: &'b mut [u8],
    pending: usize,
    /// The next chunk's size.
    size: usize,
}

impl<'b> Pieces<'b, '_> {
    /// The next run of whole lines (at the end of the input, the last
    /// unfinished line); `None` once the input is used up.
    fn next(&mut self, origin: &str) -> io::Result<Option<&'b [u8]>> {
        loop {
            if self.pending == self.rest.len() {
                self.next_chunk(origin)?;
            }
            let end = self.rest.len().min(self.pending + PIECE);
            let free = self.rest.get_mut(self.pending..end).unwrap_or_default();
            let n = match self.input.read(free) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let filled = self.pending + n;
            if n != 0 && filled < PIECE && filled < self.rest.len() {
                self.pending = filled;
                continue;
            }
            let whole = match n {
                0 => filled,
                _ => {
                    let read = self.rest.get(..filled).unwrap_or_default();
                    match read.iter().rposition(|&b| b == b'\n') {
                        Some(i) => i + 1,
                        None => {
                            self.pending = filled;
                            continue;
                        }
                    }
                }
            };
            let (piece, rest) = std::mem::take(&mut self.rest).split_at_mut(whole);
            self.rest = rest;
            self.pending = filled - whole;
            return Ok((!piece.is_empty()).then_some(&*piece));
        }
    }

    /// Start a chunk twice the size of the last, moving the unfinished line
    /// over. A chunk is an anonymous mapping, mapped on first touch (an
    /// unused end of the last chunk costs address space, not memory) and
    /// asked for transparent huge pages: in 4 KiB pages a 26 MB dump took
    /// 6,300 page faults to read, about a tenth of `chains --file`'s time,
    /// and extraction's jumps into the text missed the TLB; in 2 MiB pages
    /// it takes 13 faults, plus up to 512 for each of the mapping's first
    /// and last partial 2 MiB, which stay in 4 KiB pages (about 680 in all
    /// for a 26 MB file: rounding the mapping up to whole huge pages
    /// removes those but fills the last one in whole, +2 MB of peak RSS).
    /// Where huge pages are off the advice is refused and the chunk is
    /// ordinary memory.
    fn next_chunk(&mut self, origin: &str) -> io::Result<()> {
        let Some(slot) = self.slots.next() else {
            return Err(io::Error::other(format!(
                "{origin}: more than {MAX_CHUNKS} chunks of output"
            )));
        };
        let unfinished = self.rest.get(..self.pending).unwrap_or_default();
        self.size = self.size.max(unfinished.len() * 2);
        let mut chunk = MmapMut::map_anon(self.size)?;
        // Advice only: refused, the chunk still works.
        let _ = chunk.advise(Advice::HugePage);
        if let Some(start) = chunk.get_mut(..unfinished.len()) {
            start.copy_from_slice(unfinished);
        }
        self.rest = slot.insert(chunk);
        self.size *= 2;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chains::parse::parse;

    /// A reader that hands out at most `step` bytes a call, as a pipe does.
    struct Trickle<'t> {
        text: &'t [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.text.len());
            let (now, later) = self.text.split_at(n);
            buf.get_mut(..n)
                .ok_or_else(|| io::Error::other("short buffer"))?
                .copy_from_slice(now);
            self.text = later;
            Ok(n)
        }
    }

    /// Everything a dump says, without the index's layout (which depends
    /// on how much text the parser knew of when a table began).
    fn summary(dump: &Dump<'_>) -> String {
        let mut out = format!("{:?}\n", dump.generated_by);
        for table in &dump.tables {
            out.push_str(&format!("*{} {}\n", table.name, table.rule_count()));
            for chain in &table.chains {
                let rules: Vec<_> = table
                    .rules(chain)
                    .iter()
                    .map(|r| (r.line, r.text))
                    .collect();
                out.push_str(&format!(
                    "{} {} {:?} {:?} {:?} {rules:?}\n",
                    chain.name(),
                    chain.line,
                    chain.declaration(),
                    table.policy(chain.name()),
                    table.position(chain.name()),
                ));
            }
        }
        out
    }

    fn whole(text: &str, header: Option<&str>) -> String {
        match parse(text) {
            Ok(dump) => format!("{} {header:?}", summary(&dump)),
            Err(e) => format!("error {e}"),
        }
    }

    fn streamed_in(text: &[u8], step: usize, size: usize, want_header: bool) -> String {
        let mut chunks = Vec::new();
        let mut input = Trickle { text, step };
        let what = Input {
            origin: "dump",
            want_header,
            size: 0,
        };
        match read_in(&mut input, &mut chunks, &what, size).expect("reads") {
            Streamed::Parsed { dump, header } => format!("{} {header:?}", summary(&dump)),
            Streamed::Unparsable(e) => format!("error {e}"),
            Streamed::NotText(e) => e.to_string(),
        }
    }

    fn streamed(text: &str, step: usize) -> String {
        streamed_in(text.as_bytes(), step, FIRST_CHUNK, true)
    }

    #[test]
    fn a_big_dump_gives_what_one_piece_gives() {
        let mut text = String::from("# Generated by iptables-save v1.8.9 (nf_tables)\n*nat\n");
        for i in 0..40_000 {
            text.push_str(&format!(":KUBE-SEP-{i:016} - [0:0]\n"));
        }
        for i in 0..40_000 {
            text.push_str(&format!(
                "-A KUBE-SEP-{i:016} -p tcp -m comment --comment \"ns/s{i}:p\" -j DNAT --to-destination 10.0.{}.{}:80\n",
                i / 256 % 256,
                i % 256
            ));
        }
        text.push_str("COMMIT");
        assert!(text.len() > 3 * FIRST_CHUNK);
        let header = Some("# Generated by iptables-save v1.8.9 (nf_tables)");
        assert_eq!(streamed(&text, 65_536), whole(&text, header));
    }

    #[test]
    fn errors_name_the_line_of_the_whole_dump() {
        let mut text = String::new();
        for i in 0..60_000 {
            text.push_str(&format!("-A KUBE-SERVICES -j KUBE-SVC-{i}\n"));
        }
        let bad_line = text.lines().count() + 1;
        text.push_str("hello world\n");
        let error = streamed(&text, 4096);
        assert!(
            error.starts_with(&format!("error line {bad_line}: ")),
            "{error}"
        );
        // Invalid UTF-8 later on wins over the parse error, as before.
        text.push_str("-A X -j Y\n\u{0}\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"\xff\n");
        assert_eq!(
            streamed_in(&bytes, 1000, 4096, false),
            format!(
                "dump: line {}: not UTF-8 text (not an iptables-save dump?)",
                bad_line + 3
            )
        );
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_kept_whole() {
        let long = "x".repeat(3 * FIRST_CHUNK);
        let text = format!("*nat\n-A KUBE-SERVICES -m comment --comment {long} -j X\nCOMMIT\n");
        assert_eq!(streamed(&text, 1 << 16), whole(&text, None));
    }

    proptest::proptest! {
        #[test]
        fn any_split_parses_like_one_piece(
            text in "(\\*nat\n|:[A-C] - \\[0:0\\]\n|-A [A-D] -j [A-D]\n|COMMIT\n|# x\n|-A\n|\n){0,30}",
            step in 1usize..64,
            size in 1usize..64,
        ) {
            // Chunks of a few bytes: the dump is cut at every point.
            let streamed = streamed_in(text.as_bytes(), step, size, false);
            proptest::prop_assert_eq!(streamed, whole(&text, None));
        }
    }
}
