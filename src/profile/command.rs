//! `k8snet profile list|show|explain`: the profiles as reports.

use crate::cli::ProfileCommand;
use crate::report::{Report, Table};
use crate::sysctl::SysctlKey;

use super::{EMBEDDED, Profile, load};

/// `k8snet profile list|show|explain`.
pub fn run(command: &ProfileCommand) -> anyhow::Result<Report> {
    match command {
        ProfileCommand::List => list(),
        ProfileCommand::Show { profile } => Ok(show(&load(profile)?)),
        ProfileCommand::Explain { key, profile } => explain(key, profile),
    }
}

fn list() -> anyhow::Result<Report> {
    let mut table = Table::new(
        "embedded profiles",
        &["name", "extends", "keys", "description"],
    );
    let mut profiles = Vec::new();
    for super::Embedded { name, .. } in EMBEDDED {
        let profile = load(name)?;
        let parent = profile
            .sources
            .get(1)
            .map(|s| s.trim_start_matches("embedded:").to_string())
            .unwrap_or_else(|| "-".into());
        table.push(vec![
            profile.name.clone(),
            parent,
            profile.sysctls.len().to_string(),
            profile.description.clone(),
        ]);
        profiles.push(profile);
    }
    let mut report = Report::new("profile list").with_data("profiles", &profiles);
    report.tables.push(table);
    Ok(report)
}

fn show(profile: &Profile) -> Report {
    let mut table = Table::new(
        format!(
            "profile {} ({})",
            profile.name,
            profile.sources.join(" <- ")
        ),
        &["key", "wants", "module", "why"],
    );
    for rule in &profile.sysctls {
        table.push(vec![
            rule.key.to_string(),
            rule.want.to_string(),
            rule.module.clone().unwrap_or_default(),
            rule.why.clone().unwrap_or_default(),
        ]);
    }
    let mut report = Report::new("profile show").with_data("profile", profile);
    report.notes.push(profile.description.clone());
    report
        .notes
        .push(format!("modules: {}", profile.modules.join(", ")));
    report.notes.push(format!(
        "steal thresholds: warn at {}%, fail at {}%",
        profile.steal.warn, profile.steal.fail
    ));
    report.tables.push(table);
    report
}

fn explain(key: &str, profile_name: &str) -> anyhow::Result<Report> {
    let key = SysctlKey::parse(key).map_err(anyhow::Error::msg)?;
    let profile = load(profile_name)?;
    let rule = match profile.sysctls.iter().find(|r| r.key == key) {
        Some(rule) => rule.clone(),
        None => {
            let owners: Vec<String> = EMBEDDED
                .iter()
                .filter_map(|embedded| load(embedded.name).ok())
                .filter(|p| p.sysctls.iter().any(|r| r.key == key))
                .map(|p| p.name)
                .collect();
            let hint = if owners.is_empty() {
                "`k8snet profile show k8s-node` lists the keys k8snet knows".to_string()
            } else {
                format!("it is in: {} (use --profile)", owners.join(", "))
            };
            return Err(crate::error::hinted(
                format!("profile {} has no rule for {key}", profile.name),
                hint,
            ));
        }
    };
    let mut table = Table::new(key.to_string(), &["field", "value"]);
    table.push(vec!["wants".into(), rule.want.to_string()]);
    table.push(vec![
        "module".into(),
        rule.module.clone().unwrap_or_else(|| "-".into()),
    ]);
    table.push(vec![
        "scope".into(),
        if key.is_per_netns() {
            "per network namespace".into()
        } else {
            "host-wide".into()
        },
    ]);
    table.push(vec!["file".into(), key.proc_path()]);
    table.push(vec!["why".into(), rule.why.clone().unwrap_or_default()]);
    let mut report = Report::new("profile explain").with_data("rule", &rule);
    report.tables.push(table);
    Ok(report)
}
