//! The chain-name index of a parsed table, and the hash it uses.
//!
//! A 10,000-service dump has 61,000 chains. A `HashMap<&str, usize>` costs
//! 24 bytes a bucket at ≤ 7/8 load (3.3 MB, every page touched because the
//! hash spreads the entries); this open-addressing table stores 8-byte
//! slots (chain position and 32 bits of the name's hash) at ≤ 2/3 load
//! (1 MB) and compares names through the chain list the table already
//! has, only when the hash bits match.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::parse::Chain;

/// A word-at-a-time multiplicative hash (FxHash's scheme): chain names are
/// short, come from the node's own dump (no hash-flooding concern), and
/// SipHash showed up in profiles of 60,000-chain dumps.
#[derive(Default)]
pub(super) struct ChainHasher(u64);

/// A map keyed by chain name, hashed with [`ChainHasher`].
pub(super) type ChainMap<'a, V> = HashMap<&'a str, V, BuildHasherDefault<ChainHasher>>;

impl ChainHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for ChainHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            self.add(u64::from_le_bytes(buf));
        }
        for &b in words.remainder() {
            self.add(u64::from(b));
        }
    }
}

/// Chain positions by name: linear probing over slots holding the high
/// half of the name's hash above the position, kept at most 2/3 full so
/// every probe sequence ends on an empty slot.
#[derive(Debug, Default)]
pub(super) struct ChainIndex {
    slots: Vec<u64>,
    len: usize,
}

/// The high half of `name`'s hash (the multiplicative hash mixes the low
/// bits poorly): where its probe sequence starts, and its slots' tag.
fn tag(name: &str) -> u64 {
    let mut hasher = ChainHasher::default();
    hasher.write(name.as_bytes());
    hasher.finish() >> 32
}

/// An empty slot. Not 0: zeroed slots come from the allocator as pages
/// never written, and a probe reads a slot before it is filled, so each
/// page was mapped to the kernel's shared zero page on the read and then
/// copied on the write, with a TLB flush sent to the other CPU each time
/// (3 % of a 10,000-service `chains --file` run, on the parser thread).
/// Filling the slots with this writes every page once, up front.
const EMPTY: u64 = u64::MAX;

/// The chain position in a slot; `None` for an empty one.
fn position(slot: u64) -> Option<usize> {
    (slot != EMPTY).then_some((slot & u64::from(u32::MAX)) as usize)
}

/// The slot for the chain at `position`, whose name has `tag`. Positions
/// fit in 32 bits: a dump cannot hold 4 billion chains.
fn entry(tag: u64, position: usize) -> u64 {
    tag << 32 | u64::from(u32::try_from(position).unwrap_or(u32::MAX))
}

impl ChainIndex {
    /// An index with room for `chains` names before it grows.
    pub(super) fn with_room(chains: usize) -> Self {
        ChainIndex {
            slots: vec![EMPTY; (chains.max(4) * 3 / 2).next_power_of_two()],
            len: 0,
        }
    }

    /// The slot holding `name`, or the empty slot where it would go.
    fn probe(&self, chains: &[Chain<'_>], name: &str, tag: u64) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = tag as usize & mask;
        for _ in 0..self.slots.len() {
            let slot = *self.slots.get(at)?;
            let found = match position(slot) {
                None => true,
                Some(p) => slot >> 32 == tag && chains.get(p).is_some_and(|c| c.name() == name),
            };
            if found {
                return Some(at);
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// The position of the chain called `name`.
    pub(super) fn get(&self, chains: &[Chain<'_>], name: &str) -> Option<usize> {
        let at = self.probe(chains, name, tag(name))?;
        position(*self.slots.get(at)?)
    }

    /// The positions of the chains called `names`. Every name's first slot
    /// is loaded, then every candidate chain's name, before any is
    /// compared: the loads do not depend on each other, so their cache
    /// misses overlap, where one lookup at a time waits for each in turn
    /// (lookups were 40 % of following 10,000 services' jumps). A name not
    /// settled by its first slot is probed the usual way.
    pub(super) fn get_all(&self, chains: &[Chain<'_>], names: &[&str]) -> Vec<Option<usize>> {
        const GROUP: usize = 8;
        let mask = self.slots.len().saturating_sub(1);
        let mut found = Vec::with_capacity(names.len());
        for group in names.chunks(GROUP) {
            let mut firsts = [(0, 0); GROUP];
            for (first, name) in firsts.iter_mut().zip(group) {
                let tag = tag(name);
                *first = (
                    tag,
                    self.slots
                        .get(tag as usize & mask)
                        .copied()
                        .unwrap_or(EMPTY),
                );
            }
            // Each candidate's name with its first byte, read now so that
            // the name's cache line is on its way before the comparisons.
            let mut candidates = [None; GROUP];
            for (candidate, &(tag, slot)) in candidates.iter_mut().zip(&firsts) {
                let chain = position(slot).filter(|_| slot >> 32 == tag);
                let name = chain.and_then(|p| chains.get(p)).map(|c| c.name());
                *candidate = name.map(|n| (n, n.as_bytes().first().copied()));
            }
            for ((name, (_, slot)), candidate) in group.iter().zip(firsts).zip(candidates) {
                let same = candidate.is_some_and(|(candidate, first)| {
                    name.as_bytes().first().copied() == first && candidate == *name
                });
                found.push(match position(slot) {
                    None => None,
                    Some(p) if same => Some(p),
                    Some(_) => self.get(chains, name),
                });
            }
        }
        found
    }

    /// The position of the chain called `name`; else `Err(next)` after
    /// recording `name` as `chains[next]` (`next` is `chains.len()`: the
    /// caller pushes it). One probe for both, as declarations need.
    pub(super) fn get_or_insert(
        &mut self,
        chains: &[Chain<'_>],
        name: &str,
    ) -> Result<usize, usize> {
        if (self.len + 1) * 3 > self.slots.len() * 2 {
            self.grow(chains);
        }
        let next = chains.len();
        let tag = tag(name);
        let Some(slot) = self
            .probe(chains, name, tag)
            .and_then(|at| self.slots.get_mut(at))
        else {
            return Err(next);
        };
        if let Some(found) = position(*slot) {
            return Ok(found);
        }
        *slot = entry(tag, next);
        self.len += 1;
        Err(next)
    }

    /// Double the slots and re-place every entry.
    fn grow(&mut self, chains: &[Chain<'_>]) {
        let size = (self.slots.len() * 2).max(8);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        self.len = 0;
        for slot in old {
            let Some(chain) = position(slot).and_then(|p| chains.get(p)) else {
                continue;
            };
            if let Some(free) = self
                .probe(chains, chain.name(), slot >> 32)
                .and_then(|at| self.slots.get_mut(at))
            {
                *free = slot;
                self.len += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(name: &str) -> Chain<'_> {
        Chain::new(name, name, false, 1).unwrap()
    }

    #[test]
    fn finds_every_name_across_growth() {
        let names: Vec<String> = (0..1000).map(|i| format!("KUBE-SEP-{i:016X}")).collect();
        let mut chains = Vec::new();
        let mut index = ChainIndex::with_room(0);
        for name in &names {
            assert_eq!(index.get_or_insert(&chains, name), Err(chains.len()));
            chains.push(chain(name));
        }
        assert_eq!(index.get_or_insert(&chains, &names[7]), Ok(7));
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.get(&chains, name), Some(i));
        }
        let mut asked: Vec<&str> = names.iter().rev().map(String::as_str).collect();
        asked.extend(["KUBE-SEP-MISSING", ""]);
        let expected: Vec<_> = asked.iter().map(|n| index.get(&chains, n)).collect();
        assert_eq!(index.get_all(&chains, &asked), expected);
        assert_eq!(index.get(&chains, "KUBE-SEP-MISSING"), None);
        assert_eq!(index.get(&chains, ""), None);
        assert!(index.slots.len() >= 1500 && index.len == 1000);
    }
}
