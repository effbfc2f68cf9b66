//! A kube-proxy-shaped nat table (iptables-restore input) for N services x
//! M endpoints, with the rule shapes of recent kube-proxy
//! (`pkg/proxy/iptables/proxier.go` `syncProxyRules` and
//! `writeServiceToEndpointRules`, FORMATS.md B.3/B.5): a cluster-IP rule in
//! KUBE-SERVICES, a KUBE-SVC chain with the masquerade rule and one
//! `-> ip:port` rule per endpoint (probability 1/(n-i), `%0.10f`), and a
//! KUBE-SEP chain per endpoint (hairpin masquerade + DNAT). Every tenth
//! service is a NodePort (KUBE-NODEPORTS -> KUBE-EXT -> KUBE-SVC).
//!
//! Chain suffixes are deterministic 16-character base32 labels of the
//! service-port name, not kube-proxy's SHA-256 (k8snet treats them as
//! opaque labels, so the parser does the same work).
//!
//! The benchmark input (`gen-kube-nat`, benches/chains.sh) and the large
//! table of the live chains test (tests/chains/live.rs).

use std::io::{self, Write};

const POD_CIDR: &str = "10.128.0.0/9";

/// A 16-character base32 label from FNV-1a of `text`.
fn label(text: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in text.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    (0..16)
        .map(|i| char::from(ALPHABET[((hash >> (i * 5)) & 31) as usize]))
        .collect()
}

/// The i-th address of a /8-sized range starting at `a.b.0.0`.
fn ip(a: u32, b: u32, i: u32) -> String {
    let n = (b << 16) + i;
    format!("{a}.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

struct Service {
    name: String,
    hash: String,
    cluster_ip: String,
    node_port: Option<u32>,
    endpoints: Vec<(String, String)>,
}

fn service(i: u32, endpoints: u32) -> Service {
    let name = format!("ns-{}/svc-{i}:http", i % 50);
    let hash = label(&format!("{name}tcp"));
    let endpoints = (0..endpoints)
        .map(|j| {
            let addr = format!("{}:8080", ip(10, 128, i * endpoints + j + 1));
            (label(&format!("{name}tcp{addr}")), addr)
        })
        .collect();
    Service {
        cluster_ip: ip(10, 96, i + 1),
        node_port: i.is_multiple_of(10).then_some(30000 + i / 10 % 2768),
        name,
        hash,
        endpoints,
    }
}

fn declarations(out: &mut impl Write, svc: &Service) -> io::Result<()> {
    writeln!(out, ":KUBE-SVC-{} - [0:0]", svc.hash)?;
    if svc.node_port.is_some() {
        writeln!(out, ":KUBE-EXT-{} - [0:0]", svc.hash)?;
    }
    for (sep, _) in &svc.endpoints {
        writeln!(out, ":KUBE-SEP-{sep} - [0:0]")?;
    }
    Ok(())
}

fn rules(out: &mut impl Write, svc: &Service) -> io::Result<()> {
    let (name, hash, cip) = (&svc.name, &svc.hash, &svc.cluster_ip);
    writeln!(
        out,
        "-A KUBE-SERVICES -m comment --comment \"{name} cluster IP\" -m tcp -p tcp -d {cip} --dport 80 -j KUBE-SVC-{hash}"
    )?;
    if let Some(port) = svc.node_port {
        writeln!(
            out,
            "-A KUBE-NODEPORTS -m comment --comment {name} -m tcp -p tcp --dport {port} -j KUBE-EXT-{hash}"
        )?;
        writeln!(
            out,
            "-A KUBE-EXT-{hash} -m comment --comment \"masquerade traffic for {name} external destinations\" -j KUBE-MARK-MASQ"
        )?;
        writeln!(out, "-A KUBE-EXT-{hash} -j KUBE-SVC-{hash}")?;
    }
    writeln!(
        out,
        "-A KUBE-SVC-{hash} -m comment --comment \"{name} cluster IP\" -m tcp -p tcp -d {cip} --dport 80 ! -s {POD_CIDR} -j KUBE-MARK-MASQ"
    )?;
    let n = svc.endpoints.len();
    for (i, (sep, addr)) in svc.endpoints.iter().enumerate() {
        let statistic = if i + 1 < n {
            format!(
                " -m statistic --mode random --probability {:.10}",
                1.0 / (n - i) as f64
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "-A KUBE-SVC-{hash} -m comment --comment \"{name} -> {addr}\"{statistic} -j KUBE-SEP-{sep}"
        )?;
    }
    for (sep, addr) in &svc.endpoints {
        let ip = addr.split(':').next().unwrap_or(addr);
        writeln!(
            out,
            "-A KUBE-SEP-{sep} -m comment --comment {name} -s {ip} -j KUBE-MARK-MASQ"
        )?;
        writeln!(
            out,
            "-A KUBE-SEP-{sep} -m comment --comment {name} -m tcp -p tcp -j DNAT --to-destination {addr}"
        )?;
    }
    Ok(())
}

/// The nat table for `services` services of `endpoints` endpoints each.
pub fn write(out: &mut impl Write, services: u32, endpoints: u32) -> io::Result<()> {
    let all: Vec<Service> = (0..services).map(|i| service(i, endpoints)).collect();
    writeln!(out, "*nat")?;
    for chain in [
        "KUBE-SERVICES",
        "KUBE-NODEPORTS",
        "KUBE-POSTROUTING",
        "KUBE-MARK-MASQ",
    ] {
        writeln!(out, ":{chain} - [0:0]")?;
    }
    for svc in &all {
        declarations(out, svc)?;
    }
    writeln!(
        out,
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
    )?;
    writeln!(
        out,
        "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
    )?;
    writeln!(
        out,
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING"
    )?;
    writeln!(out, "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000")?;
    writeln!(
        out,
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN"
    )?;
    writeln!(out, "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000")?;
    writeln!(
        out,
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE"
    )?;
    for svc in &all {
        rules(out, svc)?;
    }
    writeln!(
        out,
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
    )?;
    writeln!(out, "COMMIT")
}
