//! Service ports from kube-proxy's nat rules, for every iptables-mode era.
//!
//! The entry points are KUBE-SERVICES (one rule per cluster, external and
//! load-balancer IP, comment `"<port name> cluster IP"` etc.) and
//! KUBE-NODEPORTS (comment `<port name>`); from there only jumps are
//! followed (see [`super::dispatch`]). Rules that jump elsewhere
//! (KUBE-MARK-MASQ, the 1.1 inline `MARK --set-xmark 0x4d415351`,
//! ipvs's ipset matches) are skipped, so the same walk reads 1.1, 1.2+,
//! XLB and EXT/SVL/FW dumps (FORMATS.md B.3, B.5).

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::dispatch::{Addresses, Kind, dispatch, reach};
use super::index::ChainMap;
use super::model::{Era, Policy, ServicePort, ip_port};
use super::parse::{Chain, Dump, Rule, Table};
use super::portals;
use super::rule::RuleSpec;

/// (port name, protocol): one service port. Borrowed from the dump
/// unless unquoting or lower-casing changed it, so keying 10,000 service
/// ports allocates nothing.
pub type Key<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Everything `chains` extracts from a dump.
#[derive(Debug, Default)]
pub struct Services {
    /// Service ports sorted by name and protocol, boxed: a few hundred
    /// bytes each, so sorting and collecting 10,000 of them moves
    /// pointers instead of copying megabytes at the moment the whole
    /// parsed dump is in memory too.
    pub ports: Vec<Box<ServicePort>>,
    /// The kube-proxy generation, when the nat table shows one.
    pub era: Option<Era>,
    /// Per-endpoint rules carry no comments (> 1000 endpoints).
    pub large_cluster: bool,
}

/// How a KUBE-SERVICES rule reaches the service.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Cluster,
    External,
    LoadBalancer,
}

/// A service port while its entry rules are being collected.
struct Pending<'t, 'a> {
    /// Boxed from the start: the pending ports are moved into a list and
    /// shared out among threads, and each is returned as the result.
    port: Box<ServicePort>,
    cluster: Option<&'t Chain<'a>>,
    external: Vec<&'t Chain<'a>>,
}

/// Entry rules read at a time: the chains a group jumps to are looked up
/// together, so that their cache misses overlap (see
/// [`Table::positions`]); one at a time, the lookups were most of the
/// time of reading 11,000 entry rules.
const GROUP: usize = 32;

/// Extract the service ports of a dump.
pub fn extract(dump: &Dump<'_>) -> Services {
    let Some(nat) = dump.table("nat") else {
        return Services::default();
    };
    let (mut ports, large_cluster) = build_all(nat);
    portals::userspace(nat, &mut ports);
    if let Some(filter) = dump.tables.iter().find(|t| t.name == "filter") {
        portals::rejects(filter, &mut ports);
    }
    Services {
        ports: ports.into_values().collect(),
        era: era(nat),
        large_cluster,
    }
}

struct Builder<'t, 'a> {
    nat: &'t Table<'a>,
    pending: BTreeMap<Key<'a>, Pending<'t, 'a>>,
    by_chain: ChainMap<'a, Key<'a>>,
}

impl<'t, 'a> Builder<'t, 'a> {
    /// Read the entry rules of KUBE-SERVICES, or of KUBE-NODEPORTS when
    /// `node_ports`: the rules that jump to a per-service chain other
    /// than an endpoint's.
    fn entries(&mut self, chain: &str, node_ports: bool) {
        let nat = self.nat;
        for group in nat.rules_of(chain).chunks(GROUP) {
            let specs: Vec<RuleSpec<'a>> = group
                .iter()
                .map(Rule::spec)
                .filter(|spec| Kind::of(spec.target()).is_some_and(|k| k != Kind::Sep))
                .collect();
            let targets: Vec<&str> = specs.iter().map(RuleSpec::target).collect();
            let entries = nat.positions(&targets);
            for (spec, entry) in specs.iter().zip(entries) {
                if let Some(entry) = entry.and_then(|p| nat.chains.get(p)) {
                    self.entry(spec, entry, node_ports);
                }
            }
        }
    }

    /// Add one entry rule, which jumps to `entry`, to its service port.
    fn entry(&mut self, spec: &RuleSpec<'a>, entry: &'t Chain<'a>, node_ports: bool) {
        let (name, role) = match &spec.comment {
            Some(comment) => split_role(comment.clone()),
            None => (self.name_of(entry), role_of(entry.name())),
        };
        let protocol = lower(spec.protocol.clone().unwrap_or(Cow::Borrowed("tcp")));
        let key = self.key_for(entry, name, protocol);
        let pending = self.pending.entry(key.clone()).or_insert_with(|| Pending {
            port: Box::new(ServicePort::new(&key.0, &key.1)),
            cluster: None,
            external: Vec::new(),
        });
        let addr = spec
            .destination
            .as_ref()
            .map(|d| ip_port(&d.value, spec.port()));
        match (node_ports, role, addr) {
            (true, _, _) => {
                pending.port.node_port = spec.port();
                pending.external.push(entry);
            }
            (false, Role::Cluster, addr) => {
                pending.port.cluster_ip = pending.port.cluster_ip.take().or(addr);
                pending.cluster = Some(entry);
            }
            (false, role, Some(addr)) => {
                let list = match role {
                    Role::LoadBalancer => &mut pending.port.load_balancer_ips,
                    _ => &mut pending.port.external_ips,
                };
                if !list.contains(&addr) {
                    list.push(addr);
                }
                pending.external.push(entry);
            }
            (false, _, None) => pending.external.push(entry),
        }
        self.by_chain.insert(entry.name(), key);
    }

    /// The key of a rule: named by its comment, or, when comments are
    /// missing, by the service already seen on the same chain.
    fn key_for(&self, entry: &Chain<'a>, name: Cow<'a, str>, protocol: Cow<'a, str>) -> Key<'a> {
        if name == entry.name()
            && let Some(key) = reach(self.nat, entry)
                .iter()
                .find_map(|c| self.by_chain.get(c.name()))
        {
            return key.clone();
        }
        (name, protocol)
    }

    /// A service-port name for a rule without a comment: the first
    /// comment on a chain it reaches, else the chain name itself.
    fn name_of(&self, entry: &Chain<'a>) -> Cow<'a, str> {
        reach(self.nat, entry)
            .iter()
            .flat_map(|c| self.nat.rules(c))
            .find_map(|r| r.spec().comment.map(|c| split_role(c).0))
            .unwrap_or(Cow::Borrowed(entry.name()))
    }
}

/// `text` in lower case, copied only when it is not already.
fn lower(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        text
    }
}

/// `"ns/svc:port cluster IP"` → (`ns/svc:port`, Cluster); rule comments
/// inside service chains (`"ns/svc:port -> 10.0.0.1:80"`) give the name too.
fn split_role(comment: Cow<'_, str>) -> (Cow<'_, str>, Role) {
    let (len, role) = [
        (" cluster IP", Role::Cluster),
        (" external IP", Role::External),
        (" loadbalancer IP", Role::LoadBalancer),
    ]
    .into_iter()
    .find_map(|(suffix, role)| comment.strip_suffix(suffix).map(|name| (name.len(), role)))
    .unwrap_or_else(|| {
        let name = comment.split(' ').next().unwrap_or(&comment);
        (name.len(), Role::Cluster)
    });
    let name = match comment {
        Cow::Borrowed(c) => Cow::Borrowed(c.get(..len).unwrap_or(c)),
        Cow::Owned(mut c) => {
            c.truncate(len);
            Cow::Owned(c)
        }
    };
    (name, role)
}

fn role_of(entry: &str) -> Role {
    match Kind::of(entry) {
        Some(Kind::Svc | Kind::Svl) => Role::Cluster,
        _ => Role::External,
    }
}

/// Collect every service port from the entry rules, then [`finish`] them
/// spread over the CPUs. The entry rules are read once, in order (a rule
/// without a comment is keyed by the services seen before it), while
/// another thread reads the endpoint chains' DNAT addresses (and notices
/// large-cluster mode); following the jumps of 10,000 services is then
/// shared out, each service port being independent.
fn build_all<'a>(nat: &Table<'a>) -> (BTreeMap<Key<'a>, Box<ServicePort>>, bool) {
    let entries = || {
        // One entry per entry rule at most: sized once, not rehashed as
        // 20,000 entries go in.
        let rules = nat.rules_of("KUBE-SERVICES").len() + nat.rules_of("KUBE-NODEPORTS").len();
        let mut builder = Builder {
            nat,
            pending: BTreeMap::new(),
            by_chain: ChainMap::with_capacity_and_hasher(rules, Default::default()),
        };
        builder.entries("KUBE-SERVICES", false);
        builder.entries("KUBE-NODEPORTS", true);
        builder.pending
    };
    let big = nat.rules_of("KUBE-SERVICES").len() >= 512;
    let (pending, addresses) = if big {
        std::thread::scope(|scope| {
            let addresses = scope.spawn(|| Addresses::of(nat));
            (entries(), crate::parallel::join(addresses))
        })
    } else {
        (entries(), Addresses::of(nat))
    };
    let addresses = &addresses;
    let parts = if !big {
        1
    } else {
        crate::parallel::cpus().min(8)
    };
    // In the map's order, so the map is rebuilt from sorted input.
    let ports =
        crate::parallel::map_in_order(pending, parts, |(key, p)| (key, finish(nat, addresses, p)));
    (ports.into_iter().collect(), addresses.bare)
}

/// Resolve a service port's endpoints and traffic policies.
fn finish<'a>(
    nat: &Table<'a>,
    addresses: &Addresses<'_>,
    pending: Pending<'_, 'a>,
) -> Box<ServicePort> {
    let mut port = pending.port;
    if let Some(cluster) = pending.cluster {
        let d = dispatch(nat, addresses, cluster);
        port.endpoints = d.endpoints;
        port.affinity = d
            .affinity
            .map(|timeout_seconds| super::model::Affinity { timeout_seconds });
        port.chain = Some(cluster.name().to_string());
        if Kind::of(cluster.name()) == Some(Kind::Svl) {
            port.internal_policy = Policy::Local;
        }
    }
    for entry in pending.external {
        for chain in reach(nat, entry) {
            let name = chain.name();
            match Kind::of(name) {
                Some(Kind::Svl | Kind::Xlb) => {
                    port.external_policy = Policy::Local;
                    if port.chain.as_deref() != Some(name) && port.local_endpoints.is_none() {
                        port.local_endpoints =
                            Some(Box::new(dispatch(nat, addresses, chain).endpoints));
                    }
                }
                Some(Kind::Svc) if port.chain.is_none() => {
                    let d = dispatch(nat, addresses, chain);
                    port.endpoints = d.endpoints;
                    port.chain = Some(name.to_string());
                }
                _ => {}
            }
        }
    }
    port.no_endpoints = port.endpoints.is_empty();
    port.no_local_endpoints = port
        .local_endpoints
        .as_ref()
        .is_some_and(|local| local.is_empty());
    port
}

/// The kube-proxy generation of a dump's nat table, if it has one.
pub fn era_of(dump: &Dump<'_>) -> Option<Era> {
    dump.table("nat").and_then(era)
}

/// The kube-proxy generation from chain names and rule shapes.
fn era(nat: &Table<'_>) -> Option<Era> {
    let has = |prefix: &str| nat.chains.iter().any(|c| c.name().starts_with(prefix));
    let svc_comment_arrow = nat
        .chains
        .iter()
        .filter(|c| Kind::of(c.name()) == Some(Kind::Svc))
        .filter_map(|c| nat.rules(c).last())
        .any(|r| r.body().contains(" -> "));
    if has("KUBE-EXT-") || has("KUBE-SVL-") || svc_comment_arrow {
        return Some(Era::IptablesExt);
    }
    if has("KUBE-XLB-") {
        return Some(Era::IptablesXlb);
    }
    if has("KUBE-SVC-") {
        // 1.1 set the masquerade mark inline; KUBE-MARK-MASQ came with 1.2.
        let inline_mark = || {
            nat.chains
                .iter()
                .flat_map(|c| nat.rules(c))
                .any(|r| r.body().contains("0x4d415351"))
        };
        return Some(if !has("KUBE-MARK-MASQ") && inline_mark() {
            Era::Iptables11
        } else {
            Era::Iptables
        });
    }
    if has("KUBE-PORTALS-") {
        return Some(Era::Userspace);
    }
    let ipvs = nat
        .rules_of("KUBE-SERVICES")
        .iter()
        .any(|r| r.body().contains("--match-set KUBE-"));
    ipvs.then_some(Era::Ipvs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chains::parse::parse;
    use std::fmt::Write as _;

    /// `n` services with two endpoints each; every third one also a
    /// NodePort through KUBE-EXT (1.24+ shapes).
    fn many(n: usize) -> String {
        let mut nat = String::from("*nat\n");
        for i in 0..n {
            let name = format!("ns/svc-{i}:http");
            let svc = format!("KUBE-SVC-S{i}");
            let _ = writeln!(
                nat,
                "-A KUBE-SERVICES -d 10.96.{}.{}/32 -p tcp -m comment --comment \"{name} cluster IP\" -m tcp --dport 80 -j {svc}",
                i / 250,
                i % 250
            );
            if i % 3 == 0 {
                let _ = writeln!(
                    nat,
                    "-A KUBE-NODEPORTS -p tcp -m comment --comment \"{name}\" -m tcp --dport {} -j KUBE-EXT-S{i}\n-A KUBE-EXT-S{i} -j {svc}",
                    30000 + i
                );
            }
            for e in 0..2 {
                let sep = format!("KUBE-SEP-S{i}E{e}");
                let ip = format!("10.{e}.{}.{}", i / 250, i % 250);
                let stat = if e == 0 {
                    "-m statistic --mode random --probability 0.50000000000 "
                } else {
                    ""
                };
                let _ = writeln!(
                    nat,
                    "-A {svc} -m comment --comment \"{name} -> {ip}:8080\" {stat}-j {sep}\n-A {sep} -p tcp -m comment --comment \"{name}\" -m tcp -j DNAT --to-destination {ip}:8080"
                );
            }
        }
        nat.push_str("COMMIT\n");
        nat
    }

    #[test]
    fn a_big_table_split_over_workers_loses_and_duplicates_nothing() {
        // Over the size at which the service ports are shared out among
        // threads; rules are grouped out of declaration order.
        let text = many(700);
        let services = extract(&parse(&text).unwrap());
        assert_eq!(services.ports.len(), 700);
        assert_eq!(services.era, Some(Era::IptablesExt));
        let names: Vec<&str> = services.ports.iter().map(|p| p.name.full()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        let port = services
            .ports
            .iter()
            .find(|p| p.name.full() == "ns/svc-600:http")
            .unwrap();
        assert_eq!(port.cluster_ip.as_deref(), Some("10.96.2.100:80"));
        assert_eq!(port.node_port, Some(30600));
        let endpoints: Vec<(&str, f64, Option<&str>)> = port
            .endpoints
            .iter()
            .map(|e| (e.address, e.share, e.probability))
            .collect();
        assert_eq!(
            endpoints,
            vec![
                ("10.0.2.100:8080", 0.5, Some("0.50000000000")),
                ("10.1.2.100:8080", 0.5, None)
            ]
        );
        assert!(services.ports.iter().all(|p| p.endpoints.len() == 2));
        let node_ports = services.ports.iter().filter(|p| p.node_port.is_some());
        assert_eq!(node_ports.count(), 234);
    }
}
