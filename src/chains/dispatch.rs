//! Following kube-proxy's jumps: from a service chain to its endpoints
//! with their share of traffic, and from an entry chain (EXT/FW/XLB) to the
//! service chains it reaches.
//!
//! Only jumps are followed, never comments, because in "large cluster
//! mode" (> 1000 endpoints) KUBE-SVC/KUBE-SEP rules carry no comment
//! (`largeClusterEndpointsThreshold`, FORMATS.md B.5).

use std::borrow::Cow;

use super::model::{Endpoint, Endpoints};
use super::parse::{Chain, Table};

/// The kinds of per-service chain, by name prefix (FORMATS.md B.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// KUBE-SVC-: cluster-policy endpoint dispatch.
    Svc,
    /// KUBE-SVL-: Local-policy endpoint dispatch (1.24+).
    Svl,
    /// KUBE-EXT-: external entry (1.24+).
    Ext,
    /// KUBE-FW-: load-balancer source ranges.
    Fw,
    /// KUBE-XLB-: external Local policy (≤ 1.23).
    Xlb,
    /// KUBE-SEP-: one endpoint.
    Sep,
}

impl Kind {
    /// The kind of a chain name, if it is a per-service chain.
    pub fn of(chain: &str) -> Option<Kind> {
        // Byte patterns rather than `split_once('-')`: every chain and
        // every jump target of a big dump is asked.
        let (kind, hash) = match chain.as_bytes() {
            [b'K', b'U', b'B', b'E', b'-', b'F', b'W', b'-', hash @ ..] => (Kind::Fw, hash),
            [b'K', b'U', b'B', b'E', b'-', a, b, c, b'-', hash @ ..] => match [a, b, c] {
                [b'S', b'V', b'C'] => (Kind::Svc, hash),
                [b'S', b'V', b'L'] => (Kind::Svl, hash),
                [b'E', b'X', b'T'] => (Kind::Ext, hash),
                [b'X', b'L', b'B'] => (Kind::Xlb, hash),
                [b'S', b'E', b'P'] => (Kind::Sep, hash),
                _ => return None,
            },
            _ => return None,
        };
        (!hash.is_empty()).then_some(kind)
    }
}

/// The DNAT address of every KUBE-SEP chain of a table, by chain
/// position, read in one pass in table order. Looked up while following
/// each service, the rules of 50,000 endpoint chains were read in random
/// order and the cache misses were most of that time; in table order they
/// stream.
pub struct Addresses<'a> {
    /// By chain position: 16 bytes for each of 61,000 chains, where a
    /// `Cow` took 24.
    by_chain: Vec<Option<&'a str>>,
    /// The rare addresses that had to be unquoted, by chain position.
    unquoted: Vec<(usize, String)>,
    /// Some endpoint chain's first rule has no comment: kube-proxy's
    /// large-cluster mode (> 1000 endpoints), noticed on the same pass.
    pub bare: bool,
}

impl<'a> Addresses<'a> {
    /// Read the endpoint chains of `table`, half of them on another
    /// thread when there are many. Both halves are written in place, so
    /// the list is never copied while the whole dump is in memory.
    pub fn of(table: &Table<'a>) -> Self {
        let chains = table.chains.as_slice();
        let mut by_chain = vec![None; chains.len()];
        if chains.len() < 4096 {
            let (unquoted, bare) = sweep(table, chains, 0, &mut by_chain);
            return Addresses {
                by_chain,
                unquoted,
                bare,
            };
        }
        let half = chains.len() / 2;
        let (first, second) = chains.split_at(half);
        let (first_out, second_out) = by_chain.split_at_mut(half);
        let (unquoted, bare) = std::thread::scope(|scope| {
            let other = scope.spawn(|| sweep(table, second, half, second_out));
            let (mut unquoted, bare) = sweep(table, first, 0, first_out);
            let (more, other_bare) = crate::parallel::join(other);
            unquoted.extend(more);
            (unquoted, bare || other_bare)
        });
        Addresses {
            by_chain,
            unquoted,
            bare,
        }
    }

    /// The DNAT address of each chain in `seps`.
    fn of_chains(&self, table: &Table<'_>, seps: &[&str]) -> Vec<Option<&str>> {
        let at = |position: usize| match self.by_chain.get(position)? {
            Some(address) => Some(*address),
            None => self
                .unquoted
                .iter()
                .find(|(p, _)| *p == position)
                .map(|(_, address)| address.as_str()),
        };
        table
            .positions(seps)
            .into_iter()
            .map(|position| position.and_then(at))
            .collect()
    }
}

/// The DNAT target of each KUBE-SEP chain in `chains` (the first at
/// position `offset`), into `out`; the ones that had to be unquoted; and
/// whether a chain's first rule has no comment. kube-proxy writes the DNAT
/// rule last (after the hairpin masquerade rule), so searching from the end
/// parses one rule per endpoint.
fn sweep<'a>(
    table: &Table<'a>,
    chains: &[Chain<'a>],
    offset: usize,
    out: &mut [Option<&'a str>],
) -> (Vec<(usize, String)>, bool) {
    let mut unquoted = Vec::new();
    let mut bare = false;
    for (i, (chain, slot)) in chains.iter().zip(out).enumerate() {
        if Kind::of(chain.name()) != Some(Kind::Sep) {
            continue;
        }
        let rules = table.rules(chain);
        bare = bare
            || rules
                .first()
                .is_some_and(|r| !r.body().contains("--comment"));
        let dnat = rules.iter().rev().find_map(|r| r.spec().to_destination);
        match dnat {
            Some(Cow::Borrowed(address)) => *slot = Some(address),
            Some(Cow::Owned(address)) => unquoted.push((offset + i, address)),
            None => {}
        }
    }
    (unquoted, bare)
}

/// What a dispatching chain (SVC/SVL/XLB) sends traffic to.
#[derive(Debug, Default, PartialEq)]
pub struct Dispatch {
    /// Endpoints in rule order with their shares.
    pub endpoints: Endpoints,
    /// ClientIP affinity timeout (`-m recent --rcheck --seconds N`).
    pub affinity: Option<u32>,
}

/// Endpoints of a dispatching chain. Rule *i* of *n* matches with
/// probability 1/(n-i) and the last is unconditional
/// (`computeProbability`, FORMATS.md B.5), so an endpoint's share is its
/// probability times what the rules before it left over. Probabilities
/// are parsed as numbers: iptables-save prints the stored 32-bit value
/// (1/3 → 0.33332999982), never the string kube-proxy wrote.
pub fn dispatch<'a>(table: &Table<'a>, addresses: &Addresses<'_>, chain: &Chain<'a>) -> Dispatch {
    let rules = table.rules(chain);
    let mut affinity = None;
    // (endpoint chain, share, probability as printed)
    let mut picked = Vec::with_capacity(rules.len());
    let mut left = 1.0_f64;
    for rule in rules {
        let spec = rule.spec();
        if Kind::of(spec.target()) != Some(Kind::Sep) || left <= 0.0 {
            continue;
        }
        if let Some(recent) = spec.recent.as_ref().filter(|r| r.rcheck) {
            // Affinity rules come first and do not take a share.
            affinity = recent.seconds.or(affinity);
            continue;
        }
        // A garbage probability (`nan`, `7`) must not poison the shares.
        let probability = spec
            .probability
            .filter(|p| p.is_finite())
            .map(|p| p.clamp(0.0, 1.0));
        let share = left * probability.unwrap_or(1.0);
        left -= share;
        let text = probability.and(spec.probability_text);
        picked.push((spec.target.unwrap_or_default(), share, text));
    }
    // The endpoint chains are looked up together, after the rules are
    // read (see `ChainIndex::get_all`).
    let names: Vec<&str> = picked.iter().map(|(target, _, _)| &**target).collect();
    let addresses: Vec<Cow<'_, str>> = addresses
        .of_chains(table, &names)
        .into_iter()
        .map(shown)
        .collect();
    // The endpoints' text is sized first: grown endpoint by endpoint and
    // then trimmed, it was reallocated several times per service port.
    let text = picked
        .iter()
        .zip(&addresses)
        .map(|((target, _, text), address)| {
            target.len() + address.len() + text.as_deref().map_or(0, str::len)
        })
        .sum();
    let mut endpoints = Endpoints::with_capacity(picked.len(), text);
    for ((target, share, text), address) in picked.iter().zip(&addresses) {
        endpoints.push(Endpoint {
            address,
            share: *share,
            probability: text.as_deref(),
            chain: target,
        });
    }
    Dispatch {
        endpoints,
        affinity,
    }
}

/// An endpoint's address as shown: its DNAT target, or `?` where the
/// address is unknown (`?` alone when the chain is missing or has no DNAT
/// target, which a hand-edited or half-flushed dump can have).
fn shown(dnat: Option<&str>) -> Cow<'_, str> {
    match dnat {
        Some(d) => match d.strip_prefix(':') {
            Some(port) => Cow::Owned(format!("?:{port}")),
            None => Cow::Borrowed(d),
        },
        None => Cow::Borrowed("?"),
    }
}

/// The per-service chains reachable from `entry` (itself included), in
/// breadth-first order, following only jumps to per-service chains. The
/// rules of SVC and SVL chains are not read: kube-proxy has them jump only
/// to endpoints and KUBE-MARK-MASQ (FORMATS.md B.3), and they were half of
/// the rules read for the 10,000 node ports of a big dump.
pub fn reach<'t, 'a>(table: &'t Table<'a>, entry: &'t Chain<'a>) -> Vec<&'t Chain<'a>> {
    let mut seen = vec![entry];
    let mut next = 0;
    // Per-service chains nest at most EXT/FW -> EXT -> SVC/SVL/XLB -> SEP;
    // the bound also stops a loop in a corrupted dump.
    while let Some(&chain) = seen.get(next) {
        next += 1;
        if seen.len() > 16 {
            break;
        }
        if matches!(Kind::of(chain.name()), Some(Kind::Svc | Kind::Svl)) {
            continue;
        }
        for rule in table
            .rules(chain)
            .iter()
            .filter(|r| r.body().contains("KUBE-"))
        {
            let spec = rule.spec();
            let target = spec.target();
            let Some(kind) = Kind::of(target) else {
                continue;
            };
            if kind == Kind::Sep || seen.iter().any(|c| c.name() == target) {
                continue;
            }
            if let Some(found) = table.chain(target) {
                seen.push(found);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chains::parse::parse;

    const NAT: &str = "*nat
-A KUBE-EXT-H -m comment --comment \"masquerade traffic for ns/svc:p external destinations\" -j KUBE-MARK-MASQ
-A KUBE-EXT-H -j KUBE-SVL-H
-A KUBE-SVL-H -m comment --comment \"ns/svc:p -> 10.0.0.1:80\" -m statistic --mode random --probability 0.33332999982 -j KUBE-SEP-A
-A KUBE-SVL-H -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B
-A KUBE-SVL-H -j KUBE-SEP-C
-A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:80
-A KUBE-SEP-B -p tcp -m tcp -j DNAT --to-destination 10.0.0.2:80
-A KUBE-SEP-C -p tcp -m tcp -j DNAT --to-destination 10.0.0.3:80
COMMIT
";

    #[test]
    fn shares_come_from_the_probability_chain() {
        let dump = parse(NAT).unwrap();
        let nat = dump.table("nat").unwrap();
        let chain = nat.chain("KUBE-SVL-H").unwrap();
        let d = dispatch(nat, &Addresses::of(nat), chain);
        let shares: Vec<f64> = d.endpoints.iter().map(|e| e.share).collect();
        for share in &shares {
            assert!((share - 1.0 / 3.0).abs() < 1e-4, "{shares:?}");
        }
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let endpoints: Vec<_> = d.endpoints.iter().collect();
        assert_eq!(endpoints[2].address, "10.0.0.3:80");
        assert_eq!(endpoints[0].probability, Some("0.33332999982"));
        assert_eq!(endpoints[2].probability, None);
    }

    #[test]
    fn an_address_that_needed_unquoting_is_kept() {
        let dump = parse(
            "*nat\n-A KUBE-SVC-Q -j KUBE-SEP-Q\n-A KUBE-SEP-Q -j DNAT --to-destination \"10.0.0.9\":80\nCOMMIT\n",
        )
        .unwrap();
        let nat = dump.table("nat").unwrap();
        let chain = nat.chain("KUBE-SVC-Q").unwrap();
        let d = dispatch(nat, &Addresses::of(nat), chain);
        let addresses: Vec<&str> = d.endpoints.iter().map(|e| e.address).collect();
        assert_eq!(addresses, ["10.0.0.9:80"]);
    }

    #[test]
    fn reach_follows_jumps_not_comments() {
        let dump = parse(NAT).unwrap();
        let nat = dump.table("nat").unwrap();
        let names = |entry| -> Vec<&str> {
            let entry = nat.chain(entry).unwrap();
            reach(nat, entry).iter().map(|c| c.name()).collect()
        };
        assert_eq!(names("KUBE-EXT-H"), ["KUBE-EXT-H", "KUBE-SVL-H"]);
        assert_eq!(Kind::of("KUBE-SVC-"), None);
        assert_eq!(Kind::of("KUBE-MARK-MASQ"), None);
        assert_eq!(Kind::of("KUBE-FW-X"), Some(Kind::Fw));
        assert_eq!(Kind::of("KUBE-SEP-A-B"), Some(Kind::Sep));
        for other in [
            "KUBE-SEPX-A",
            "KUBE-FW-",
            "KUBE-XLB",
            "KUBE-MARK-DROP",
            "KUBE-SE-A",
            "X",
        ] {
            assert_eq!(Kind::of(other), None, "{other}");
        }
    }
}
