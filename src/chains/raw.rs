//! `chains --raw`: the KUBE-* chains of a dump, verbatim, in
//! iptables-save form (so the output can be fed back to iptables-restore
//! or diffed), optionally only one service's chains and rules.

use std::collections::HashSet;
use std::io::{self, Write};

use super::dispatch::{Kind, reach};
use super::model::PortName;
use super::parse::{Chain, Dump, Rule, Table};

/// The service-port name a rule's comment speaks of, if any.
fn comment_name(rule: &Rule<'_>) -> Option<PortName> {
    let comment = rule.spec().comment?;
    let name = comment.split(' ').next()?;
    name.contains('/').then(|| PortName::parse(name))
}

/// The chains that belong to the service ports matching `filter`: those
/// reached from its KUBE-SERVICES / KUBE-NODEPORTS rules, plus their
/// endpoint chains.
fn service_chains<'a>(nat: &Table<'a>, filter: &str) -> HashSet<&'a str> {
    let mut chains = HashSet::new();
    for entry in ["KUBE-SERVICES", "KUBE-NODEPORTS"] {
        for rule in nat.rules_of(entry) {
            if !comment_name(rule).is_some_and(|n| n.matches(filter)) {
                continue;
            }
            let Some(entry) = nat.chain(rule.spec().target()) else {
                continue;
            };
            for chain in reach(nat, entry) {
                chains.insert(chain.name());
                for sep in nat.rules(chain) {
                    let target = sep.spec().target().to_string();
                    if let Some(found) = nat
                        .chain(&target)
                        .filter(|_| Kind::of(&target) == Some(Kind::Sep))
                    {
                        chains.insert(found.name());
                    }
                }
            }
        }
    }
    chains
}

fn keep_rule(
    chain: &Chain<'_>,
    rule: &Rule<'_>,
    selected: Option<&HashSet<&str>>,
    filter: Option<&str>,
) -> bool {
    match (selected, filter) {
        (Some(selected), Some(filter)) => {
            selected.contains(chain.name())
                || selected.contains(rule.spec().target())
                || comment_name(rule).is_some_and(|n| n.matches(filter))
        }
        _ => chain.name().starts_with("KUBE-") || rule.spec().target().starts_with("KUBE-"),
    }
}

/// Write the KUBE chains of every table that has any.
pub fn write(dump: &Dump<'_>, filter: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    let selected = filter.map(|f| {
        dump.table("nat")
            .map(|nat| service_chains(nat, f))
            .unwrap_or_default()
    });
    let selected = selected.as_ref();
    for table in &dump.tables {
        let chains: Vec<&Chain<'_>> = table
            .chains
            .iter()
            .filter(|c| {
                c.name().starts_with("KUBE-")
                    && selected.is_none_or(|s| {
                        s.contains(c.name())
                            || table
                                .rules(c)
                                .iter()
                                .any(|r| keep_rule(c, r, Some(s), filter))
                    })
            })
            .collect();
        let rules: Vec<&Rule<'_>> = table
            .chains
            .iter()
            .flat_map(|c| {
                table
                    .rules(c)
                    .iter()
                    .filter(move |r| keep_rule(c, r, selected, filter))
            })
            .collect();
        if chains.is_empty() && rules.is_empty() {
            continue;
        }
        if !table.name.is_empty() {
            writeln!(out, "*{}", table.name)?;
        }
        for chain in chains {
            match chain.declaration() {
                Some(decl) => writeln!(out, "{decl}")?,
                None if table.name.is_empty() => writeln!(out, "-N {}", chain.name())?,
                None => writeln!(out, ":{} - [0:0]", chain.name())?,
            }
        }
        for rule in rules {
            writeln!(out, "{}", rule.text)?;
        }
        if !table.name.is_empty() {
            writeln!(out, "COMMIT")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chains::parse::parse;

    const DUMP: &str = "*nat
:PREROUTING ACCEPT [0:0]
:DOCKER - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
:KUBE-SEP-A1 - [0:0]
:KUBE-SVC-B - [0:0]
-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES
-A DOCKER -i docker0 -j RETURN
-A KUBE-SERVICES -d 10.0.0.1/32 -p tcp -m comment --comment \"ns/a:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-A
-A KUBE-SERVICES -d 10.0.0.2/32 -p tcp -m comment --comment \"ns/b cluster IP\" -m tcp --dport 80 -j KUBE-SVC-B
-A KUBE-SVC-A -j KUBE-SEP-A1
-A KUBE-SEP-A1 -p tcp -m tcp -j DNAT --to-destination 10.1.0.1:80
COMMIT
";

    fn raw(filter: Option<&str>) -> String {
        let dump = parse(DUMP).unwrap();
        let mut out = Vec::new();
        write(&dump, filter, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn only_kube_chains_and_jumps_into_them() {
        let text = raw(None);
        assert!(!text.contains("DOCKER"));
        assert!(text.contains(
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        ));
        assert!(text.starts_with("*nat\n:KUBE-SERVICES - [0:0]\n"));
        assert!(text.ends_with("COMMIT\n"));
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn one_service_keeps_its_own_chains() {
        let text = raw(Some("ns/a"));
        assert!(text.contains(":KUBE-SVC-A "));
        assert!(text.contains(":KUBE-SEP-A1 "));
        assert!(text.contains("DNAT --to-destination 10.1.0.1:80"));
        assert!(!text.contains("KUBE-SVC-B"));
        assert!(!text.contains("ns/b"));
    }
}
