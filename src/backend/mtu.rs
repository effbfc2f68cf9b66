//! The MTU chain, pure: a packet from a pod leaves through its veth and
//! cni0, is wrapped by the backend and leaves through the underlay, so
//! underlay MTU − backend overhead must be at least the overlay device's
//! MTU and FLANNEL_MTU, and cni0 and the pod veths must not exceed it
//! (flannel `device.go`: `MTU: devAttrs.MTU - 50` for vxlan; FORMATS.md A.9).

use serde::Serialize;

use super::links::Link;
use super::verdict::{Evidence, Overlay, overhead};
use crate::report::{Check, Status};

const ID: &str = "backend.mtu";

/// An interface (or FLANNEL_MTU) and its MTU.
type Named = (String, u32);

/// The room the underlay leaves for pod packets.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The underlay interface.
    pub underlay: String,
    /// Its MTU.
    pub underlay_mtu: u32,
    /// The backend.
    pub backend: String,
    /// Encapsulation overhead, bytes.
    pub overhead: u32,
    /// underlay_mtu − overhead: the most any overlay or pod MTU may be.
    pub room: u32,
}

/// The budget for `backend` over `underlay`, when both are known.
pub fn budget(backend: &str, underlay: Option<&Link>) -> Result<Budget, String> {
    let overhead = overhead(backend)
        .ok_or_else(|| format!("the {backend} backend has no known encapsulation overhead"))?;
    let link = underlay.ok_or(
        "cannot tell the underlay interface (no vxlan dev, no default route in /proc/net/route)",
    )?;
    let mtu = link
        .mtu
        .ok_or_else(|| format!("{} has no MTU in sysfs", link.name))?;
    Ok(Budget {
        underlay: link.name.clone(),
        underlay_mtu: mtu,
        backend: backend.to_string(),
        overhead,
        room: mtu.saturating_sub(overhead),
    })
}

/// The `backend.mtu` check.
pub fn mtu_check(
    ev: &Evidence,
    overlays: &[Overlay<'_>],
    budget: Result<&Budget, &String>,
) -> Check {
    let budget = match budget {
        Ok(budget) => budget,
        Err(why) => return Check::skip(ID, why.clone()),
    };
    let room_text = format!(
        "{} MTU {} - {} ({} overhead) = {}",
        budget.underlay, budget.underlay_mtu, budget.overhead, budget.backend, budget.room
    );
    let mut checked: Vec<Named> = overlays
        .iter()
        .filter(|o| o.backend == budget.backend)
        .filter_map(|o| Some((o.link.name.clone(), o.link.mtu?)))
        .collect();
    checked.extend(
        ev.subnet_env
            .as_ref()
            .and_then(|e| e.mtu)
            .map(|m| ("FLANNEL_MTU".to_string(), m)),
    );
    checked.extend(
        ev.links
            .iter()
            .filter(|l| l.name == "cni0" || l.master.as_deref() == Some("cni0"))
            .filter_map(|l| Some((l.name.clone(), l.mtu?))),
    );
    let too_big: Vec<&Named> = checked
        .iter()
        .filter(|(_, mtu)| *mtu > budget.room)
        .collect();
    if checked.is_empty() {
        return Check::skip(
            ID,
            format!("room is {room_text}, but no overlay device, FLANNEL_MTU or cni0 to compare"),
        );
    }
    if too_big.is_empty() {
        return Check::ok(ID, format!("{} fit in {room_text}", listing(&checked)));
    }
    let mut check = Check::new(
        ID,
        Status::Fail,
        format!(
            "{} larger than {room_text}: encapsulated packets will not fit",
            listing(&too_big)
        ),
    )
    .code("backend-mtu")
    .hint(format!(
        "set the overlay MTU to at most {} (Backend.MTU in net-conf.json, or raise the MTU of {}), \
         restart flanneld, then recreate the pods so cni0 and their veths take the new MTU",
        budget.room, budget.underlay
    ));
    for (name, mtu) in too_big {
        check = check.detail(format!("{name}: MTU {mtu} > {}", budget.room));
    }
    check
}

/// "flannel.1 1450, FLANNEL_MTU 1450, cni0 1450"; many pod veths are
/// summed up rather than listed.
fn listing<T: std::borrow::Borrow<Named>>(items: &[T]) -> String {
    let (veths, others): (Vec<&Named>, Vec<&Named>) = items
        .iter()
        .map(|i| i.borrow())
        .partition(|(name, _)| name.starts_with("veth"));
    let mut parts: Vec<String> = others.iter().map(|(n, m)| format!("{n} {m}")).collect();
    match veths.as_slice() {
        [] => {}
        [(name, mtu)] => parts.push(format!("{name} {mtu}")),
        many => {
            let max = many.iter().map(|(_, m)| *m).max().unwrap_or(0);
            parts.push(format!("{} pod veths (max {max})", many.len()));
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(name: &str, mtu: u32) -> Link {
        Link {
            name: name.into(),
            mtu: Some(mtu),
            ..Link::default()
        }
    }

    #[test]
    fn vxlan_room_on_a_1500_nic_is_1450() {
        let eth0 = link("eth0", 1500);
        let b = budget("vxlan", Some(&eth0)).expect("budget");
        assert_eq!(b.room, 1450);
        assert_eq!(budget("udp", Some(&eth0)).expect("udp").room, 1472);
        assert_eq!(budget("wireguard", Some(&eth0)).expect("wg").room, 1420);
        assert_eq!(budget("ipip", Some(&eth0)).expect("ipip").room, 1480);
        assert_eq!(budget("host-gw", Some(&eth0)).expect("host-gw").room, 1500);
        assert!(budget("extension", Some(&eth0)).is_err());
        assert!(budget("vxlan", None).is_err());
    }

    #[test]
    fn too_big_devices_are_named_with_numbers() {
        let mut veth = link("vethabc", 1500);
        veth.master = Some("cni0".into());
        let flannel = link("flannel.1", 1450);
        let ev = Evidence {
            links: vec![
                link("eth0", 1500),
                flannel.clone(),
                link("cni0", 1500),
                veth,
            ],
            ..Evidence::default()
        };
        let overlays = vec![Overlay {
            link: &flannel,
            backend: "vxlan",
        }];
        let b = budget("vxlan", ev.links.first()).expect("budget");
        let check = mtu_check(&ev, &overlays, Ok(&b));
        assert_eq!(check.status, Status::Fail);
        assert_eq!(check.code, Some("backend-mtu"));
        assert_eq!(
            check.summary,
            "cni0 1500, vethabc 1500 larger than eth0 MTU 1500 - 50 (vxlan overhead) = 1450: \
             encapsulated packets will not fit"
        );
        assert_eq!(
            check.details,
            vec!["cni0: MTU 1500 > 1450", "vethabc: MTU 1500 > 1450"]
        );
    }

    #[test]
    fn many_veths_are_summarised() {
        let items: Vec<(String, u32)> = (0..3).map(|i| (format!("veth{i}"), 1400 + i)).collect();
        assert_eq!(listing(&items), "3 pod veths (max 1402)");
    }
}
