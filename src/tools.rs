//! The tools operators (and k8snet) need on a node, found on the search
//! path: missing required ones fail, missing optional ones are skipped
//! with what they would add.

use crate::Context;
use crate::report::{Check, Status};

/// (tool, required, what it is for)
const TOOLS: &[(&str, bool, &str)] = &[
    (
        "iptables",
        true,
        "kube-proxy and flannel program NAT and filter rules with it",
    ),
    (
        "iptables-save",
        true,
        "k8snet chains and proxy read the rules with it",
    ),
    (
        "ip",
        true,
        "k8snet backend reads VXLAN details, routes and FDB entries with it",
    ),
    (
        "conntrack",
        false,
        "lists and flushes connection-tracking entries (conntrack-tools)",
    ),
    (
        "nft",
        false,
        "shows nftables rules (kube-proxy nftables mode, iptables-nft)",
    ),
    (
        "ipvsadm",
        false,
        "shows IPVS virtual servers (kube-proxy ipvs mode)",
    ),
];

/// One check per tool, ids `tools.<name>`.
pub fn checks(ctx: &Context) -> Vec<Check> {
    TOOLS
        .iter()
        .map(|(tool, required, purpose)| {
            let id = format!("tools.{tool}");
            match (ctx.host.exec.find(tool), required) {
                (Some(path), _) => Check::ok(id, format!("{} ({purpose})", path.display())),
                (None, true) => Check::new(
                    id,
                    Status::Fail,
                    format!("{tool} is not installed: {purpose}"),
                )
                .code("tool-missing")
                .hint(install_hint(tool)),
                (None, false) => Check::skip(id, format!("optional, not installed: {purpose}")),
            }
        })
        .collect()
}

fn install_hint(tool: &str) -> String {
    let package = match tool {
        "ip" => "iproute2",
        "conntrack" => "conntrack",
        "nft" => "nftables",
        "ipvsadm" => "ipvsadm",
        _ => "iptables",
    };
    format!("apt-get install {package} (dnf install {package} on Fedora/RHEL)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::exec::Exec;
    use crate::host::Host;
    use crate::progress::Progress;

    #[test]
    fn empty_path_fails_required_and_skips_optional_tools() {
        let ctx = Context {
            host: Host::new(
                "/",
                Exec::with_search_path("/nonexistent"),
                Box::new(SystemClock),
            ),
            progress: Progress::hidden(),
            listings: true,
        };
        let checks = checks(&ctx);
        let iptables = checks
            .iter()
            .find(|c| c.id == "tools.iptables")
            .expect("iptables");
        assert_eq!(iptables.status, Status::Fail);
        assert_eq!(iptables.code, Some("tool-missing"));
        let nft = checks.iter().find(|c| c.id == "tools.nft").expect("nft");
        assert_eq!(nft.status, Status::Skip);
    }
}
