//! Service ports from kube-proxy's nat rules, for every iptables-mode era.
//!
//! The entry points are KUBE-SERVICES (one rule per cluster, external and
//! load-balancer IP, comment `"<port name> cluster IP"` etc.) and
//! KUBE-NODEPORTS (comment `<port name>`); from there only jumps are
//! followed (see [`super::dispatch`]). Rules that jump elsewhere
//! (KUBE-MARK-MASQ, the 1.1 inline `MARK --set-xmark 0x4d415351`,
//! ipvs's ipset matches) are skipped, so the same walk reads 1.1, 1.2+,
//! XLB and EXT/SVL/FW dumps (FORMATS.md B.3, B.5).

use std::collections::BTreeMap;
use std::hash::{BuildHasher, BuildHasherDefault};

use super::dispatch::{Addresses, Kind, dispatch, reach};
use super::index::{ChainHasher, ChainMap};
use super::model::{Endpoints, Era, Policy, ServicePort, ip_port};
use super::parse::{Dump, Table};
use super::portals;

/// (port name, protocol): one service port.
pub type Key = (String, String);

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
struct Pending<'a> {
    port: ServicePort,
    cluster: Option<&'a str>,
    external: Vec<&'a str>,
}

/// Extract the service ports of a dump.
pub fn extract(dump: &Dump<'_>) -> Services {
    let Some(nat) = dump.table("nat") else {
        return Services::default();
    };
    let mut ports = build_all(nat);
    portals::userspace(nat, &mut ports);
    if let Some(filter) = dump.tables.iter().find(|t| t.name == "filter") {
        portals::rejects(filter, &mut ports);
    }
    Services {
        ports: ports.into_values().collect(),
        era: era(nat),
        large_cluster: large_cluster(nat),
    }
}

struct Builder<'t, 'a> {
    nat: &'t Table<'a>,
    pending: BTreeMap<Key, Pending<'a>>,
    by_chain: ChainMap<'a, Key>,
    /// (this worker, workers): the share of service ports it builds.
    part: (u64, u64),
}

impl<'a> Builder<'_, 'a> {
    /// Read the entry rules of KUBE-SERVICES, or of KUBE-NODEPORTS when
    /// `node_ports`.
    fn entries(&mut self, chain: &str, node_ports: bool) {
        for rule in self.nat.rules_of(chain) {
            let spec = rule.spec();
            let target = spec.target();
            if !Kind::of(target).is_some_and(|k| k != Kind::Sep) {
                continue;
            }
            let Some(entry) = self.nat.chain(target).map(|c| c.name) else {
                continue;
            };
            let (name, role) = match spec.comment.as_deref() {
                Some(comment) => split_role(comment),
                None => (self.name_of(entry), role_of(entry)),
            };
            let protocol = spec
                .protocol
                .as_deref()
                .unwrap_or("tcp")
                .to_ascii_lowercase();
            let key = self.key_for(entry, name, protocol);
            if !self.owns(&key) {
                self.by_chain.insert(entry, key);
                continue;
            }
            let pending = self.pending.entry(key.clone()).or_insert_with(|| Pending {
                port: ServicePort::new(&key.0, &key.1),
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
            self.by_chain.insert(entry, key);
        }
    }

    /// Whether this worker builds the service port `key`.
    fn owns(&self, key: &Key) -> bool {
        let (part, parts) = self.part;
        let hash = BuildHasherDefault::<ChainHasher>::default().hash_one(key);
        // The high half: the multiplicative hash mixes low bits poorly.
        (hash >> 32) % parts == part
    }

    /// The key of a rule: named by its comment, or, when comments are
    /// missing, by the service already seen on the same chain.
    fn key_for(&self, entry: &str, name: String, protocol: String) -> Key {
        if name == entry
            && let Some(key) = reach(self.nat, entry)
                .iter()
                .find_map(|c| self.by_chain.get(c))
        {
            return key.clone();
        }
        (name, protocol)
    }

    /// A service-port name for a rule without a comment: the first
    /// comment on a chain it reaches, else the chain name itself.
    fn name_of(&self, entry: &str) -> String {
        reach(self.nat, entry)
            .iter()
            .flat_map(|c| self.nat.rules_of(c))
            .find_map(|r| r.spec().comment.map(|c| split_role(&c).0))
            .unwrap_or_else(|| entry.to_string())
    }
}

/// `"ns/svc:port cluster IP"` → (`ns/svc:port`, Cluster); rule comments
/// inside service chains (`"ns/svc:port -> 10.0.0.1:80"`) give the name too.
fn split_role(comment: &str) -> (String, Role) {
    for (suffix, role) in [
        (" cluster IP", Role::Cluster),
        (" external IP", Role::External),
        (" loadbalancer IP", Role::LoadBalancer),
    ] {
        if let Some(name) = comment.strip_suffix(suffix) {
            return (name.to_string(), role);
        }
    }
    let name = comment.split(' ').next().unwrap_or(comment);
    (name.to_string(), Role::Cluster)
}

fn role_of(entry: &str) -> Role {
    match Kind::of(entry) {
        Some(Kind::Svc | Kind::Svl) => Role::Cluster,
        _ => Role::External,
    }
}

/// Build and [`finish`] every service port, spread over the CPUs:
/// following the jumps of 10,000 services is most of the work on a big
/// dump, and each service port is independent. Every worker reads all the
/// entry rules (so rules without comments are keyed alike everywhere) but
/// builds only the service ports whose key hashes to it, so the entry pass
/// is parallel too.
fn build_all(nat: &Table<'_>) -> BTreeMap<Key, Box<ServicePort>> {
    let parts = if nat.rules_of("KUBE-SERVICES").len() < 512 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
    };
    let addresses = Addresses::of(nat);
    let addresses = &addresses;
    let build = move |part: usize| {
        let mut builder = Builder {
            nat,
            pending: BTreeMap::new(),
            by_chain: ChainMap::default(),
            part: (part as u64, parts as u64),
        };
        builder.entries("KUBE-SERVICES", false);
        builder.entries("KUBE-NODEPORTS", true);
        builder
            .pending
            .into_iter()
            .map(|(key, p)| (key, Box::new(finish(nat, addresses, p))))
            .collect::<Vec<_>>()
    };
    if parts == 1 {
        return build(0).into_iter().collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..parts)
            .map(|part| scope.spawn(move || build(part)))
            .collect();
        handles
            .into_iter()
            // A worker's panic is a bug: re-raise it rather than drop its
            // services from the report.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Resolve a service port's endpoints and traffic policies.
fn finish(nat: &Table<'_>, addresses: &Addresses<'_>, pending: Pending<'_>) -> ServicePort {
    let mut port = pending.port;
    if let Some(cluster) = pending.cluster {
        let d = dispatch(nat, addresses, cluster);
        port.endpoints = d.endpoints;
        port.affinity = d
            .affinity
            .map(|timeout_seconds| super::model::Affinity { timeout_seconds });
        port.chain = Some(cluster.to_string());
        if Kind::of(cluster) == Some(Kind::Svl) {
            port.internal_policy = Policy::Local;
        }
    }
    for entry in pending.external {
        for chain in reach(nat, entry) {
            match Kind::of(chain) {
                Some(Kind::Svl | Kind::Xlb) => {
                    port.external_policy = Policy::Local;
                    if port.chain.as_deref() != Some(chain) && port.local_endpoints.is_none() {
                        port.local_endpoints = Some(dispatch(nat, addresses, chain).endpoints);
                    }
                }
                Some(Kind::Svc) if port.chain.is_none() => {
                    let d = dispatch(nat, addresses, chain);
                    port.endpoints = d.endpoints;
                    port.chain = Some(chain.to_string());
                }
                _ => {}
            }
        }
    }
    port.no_endpoints = port.endpoints.is_empty();
    port.no_local_endpoints = port
        .local_endpoints
        .as_ref()
        .is_some_and(Endpoints::is_empty);
    port
}

/// The kube-proxy generation of a dump's nat table, if it has one.
pub fn era_of(dump: &Dump<'_>) -> Option<Era> {
    dump.table("nat").and_then(era)
}

/// The kube-proxy generation from chain names and rule shapes.
fn era(nat: &Table<'_>) -> Option<Era> {
    let has = |prefix: &str| nat.chains.iter().any(|c| c.name.starts_with(prefix));
    let svc_comment_arrow = nat
        .chains
        .iter()
        .filter(|c| Kind::of(c.name) == Some(Kind::Svc))
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

/// Large-cluster mode: endpoint chains written without comments.
fn large_cluster(nat: &Table<'_>) -> bool {
    nat.chains
        .iter()
        .filter(|c| Kind::of(c.name) == Some(Kind::Sep))
        .filter_map(|c| nat.rules(c).first())
        .any(|r| !r.body().contains("--comment"))
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
        // threads by key hash; rules are grouped out of declaration order.
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
