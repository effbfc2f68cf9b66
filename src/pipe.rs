//! Reading a large output from a pipe in few wake-ups.
//!
//! A reader blocked on an empty pipe is woken by every write into it, and
//! iptables-save writes its 26 MB dump (10,000 services) 4 KiB at a time:
//! read as it comes, that is over 6,000 wake-ups of the reading thread,
//! each a cross-CPU interrupt and two context switches. On a 2-CPU VM they
//! made the tool itself 1.5 to 3.7 % slower than when it writes to
//! /dev/null; a bigger pipe alone changes nothing, as every write still
//! finds it empty. [`Paced`] grows the pipe to 1 MiB and, once an output
//! has shown itself to be large, waits a moment after each read that
//! emptied the pipe, so each later read takes what a few milliseconds of
//! writes left: a few hundred reads for that dump instead of 6,000, and
//! the tool runs as fast as into /dev/null (README, Benchmarks).

use std::io::{self, Read};
use std::os::fd::AsFd;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};

/// The pipe size asked for: Linux's default `fs.pipe-max-size`, the most
/// an unprivileged process may ask for (pipe(7)).
const CAPACITY: usize = 1 << 20;

/// How long to let a writer fill the pipe after a read emptied it. A save
/// tool writes about 75 KB a millisecond (26 MB in 350 ms), so a pause
/// gathers about 150 KB and a writer six times as fast still finds room
/// in 1 MiB: the writer never waits for the reader.
const PAUSE: Duration = Duration::from_millis(2);

/// Output read before pausing starts: a small output (a tool's version,
/// an empty table) is read as it comes, with no pause added.
const LARGE: usize = 1 << 20;

/// A pipe's read end, read in as few wake-ups as it can be.
pub struct Paced<R, C = SystemClock> {
    inner: R,
    /// Whether the pipe could be grown: pausing on a 64 KiB pipe would
    /// leave the writer waiting.
    grown: bool,
    /// Bytes read so far.
    total: usize,
    clock: C,
}

impl<R: Read + AsFd> Paced<R> {
    /// Read `inner`, growing its pipe when it is one. Anything else (a
    /// file, a terminal) or a pipe that cannot be grown is read plainly.
    pub fn new(inner: R) -> Self {
        let grown =
            rustix::pipe::fcntl_setpipe_size(&inner, CAPACITY).is_ok_and(|size| size >= CAPACITY);
        Paced {
            inner,
            grown,
            total: 0,
            clock: SystemClock,
        }
    }
}

impl<R: Read, C: Clock> Read for Paced<R, C> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total = self.total.saturating_add(n);
        // A short read took all there was: the writer is behind, so give it
        // time to write more before the next read.
        if self.grown && self.total >= LARGE && n > 0 && n < buf.len() {
            self.clock.sleep(PAUSE);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use std::io::Write;
    use std::time::SystemTime;

    #[test]
    fn a_pipe_is_grown_and_read_whole() {
        let (reader, mut writer) = io::pipe().expect("pipe");
        let mut paced = Paced::new(reader);
        assert!(paced.grown);
        assert_eq!(
            rustix::pipe::fcntl_getpipe_size(&paced.inner).expect("size"),
            CAPACITY
        );
        // Written 4 KiB at a time, as iptables-save does, with every byte
        // telling its position.
        let sent: Vec<u8> = (0..3 * LARGE).map(|i| (i % 251) as u8).collect();
        let mut got = Vec::new();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for piece in sent.chunks(4096) {
                    writer.write_all(piece).expect("write");
                }
                drop(writer);
            });
            paced.read_to_end(&mut got).expect("read");
        });
        assert!(got == sent, "{} bytes read", got.len());
    }

    /// A reader that returns at most `step` bytes a call, as a pipe the
    /// writer has not filled does.
    struct Short {
        left: usize,
        step: usize,
    }

    impl Read for Short {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.left);
            self.left -= n;
            Ok(n)
        }
    }

    fn paced(step: usize, grown: bool) -> Paced<Short, FakeClock> {
        Paced {
            inner: Short {
                left: 2 * LARGE,
                step,
            },
            grown,
            total: 0,
            clock: FakeClock::new(SystemTime::UNIX_EPOCH),
        }
    }

    #[test]
    fn only_short_reads_of_a_large_output_pause() {
        // 64 KiB reads of a 2 MiB output that come back with 4 KiB: the
        // reads before the first 1 MiB is in do not pause, the one that
        // completes it and the 256 after it do, and the read that finds
        // the end does not.
        let mut short = paced(4096, true);
        let mut buf = vec![0; 65_536];
        while short.read(&mut buf).expect("read") > 0 {}
        assert_eq!(short.clock.elapsed(), PAUSE * 257);
        // Reads that fill the buffer: the writer is ahead, no pause.
        let mut full = paced(65_536, true);
        while full.read(&mut buf).expect("read") > 0 {}
        assert_eq!(full.clock.elapsed(), Duration::ZERO);
        // A pipe that could not be grown is never paused on.
        let mut small_pipe = paced(4096, false);
        while small_pipe.read(&mut buf).expect("read") > 0 {}
        assert_eq!(small_pipe.clock.elapsed(), Duration::ZERO);
    }

    #[test]
    fn a_file_is_read_plainly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("dump");
        crate::host::write_user_file(&path, b"*nat\nCOMMIT\n").expect("write");
        let file = crate::host::open_user_file(&path).expect("open");
        let mut paced = Paced::new(file);
        assert!(!paced.grown);
        let mut text = String::new();
        paced.read_to_string(&mut text).expect("read");
        assert_eq!(text, "*nat\nCOMMIT\n");
    }
}
