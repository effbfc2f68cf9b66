//! JUnit XML for CI: one testsuite per area, one testcase per check.
//! `fail` is a `<failure>`, `error` an `<error>`, `skip` `<skipped>`;
//! a warning passes but keeps its finding in `<system-out>`.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::report::{Check, Report, Status};

/// Write `report` as JUnit XML.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut junit = JunitReport::new(format!("k8snet {}", report.command));
    let mut suites: Vec<TestSuite> = Vec::new();
    for check in &report.checks {
        let area = check.area();
        let index = match suites.iter().position(|s| s.name.as_str() == area) {
            Some(index) => index,
            None => {
                suites.push(TestSuite::new(area));
                suites.len() - 1
            }
        };
        suites[index].add_test_case(test_case(check));
    }
    junit.add_test_suites(suites);
    let xml = junit.to_string().map_err(io::Error::other)?;
    out.write_all(xml.as_bytes())?;
    writeln!(out)
}

fn test_case(check: &Check) -> TestCase {
    let body = description(check);
    let status = match check.status {
        Status::Ok | Status::Warn => TestCaseStatus::success(),
        Status::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(check.summary.as_str());
            status
        }
        Status::Fail | Status::Error => {
            let kind = if check.status == Status::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(check.summary.as_str());
            if let Some(code) = check.code {
                status.set_type(code);
            }
            status.set_description(body.as_str());
            status
        }
    };
    let mut case = TestCase::new(check.id.as_str(), status);
    case.set_classname(format!("k8snet.{}", check.area()));
    if check.status == Status::Warn || check.status == Status::Ok {
        case.set_system_out(body.as_str());
    }
    case
}

fn description(check: &Check) -> String {
    let mut lines = vec![format!("{}: {}", check.status.as_str(), check.summary)];
    if let Some(code) = check.code {
        lines.push(format!("code: {code}"));
    }
    lines.extend(check.details.iter().cloned());
    if let Some(hint) = &check.hint {
        lines.push(format!("hint: {hint}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use crate::render::Format;
    use crate::render::tests::render;

    #[test]
    fn is_well_formed_with_one_testcase_per_check() {
        let xml = render(Format::Junit);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 5);
        let failed = cases
            .iter()
            .find(|c| c.attribute("name") == Some("sysctl.net.ipv4.tcp_fin_timeout"))
            .expect("fin_timeout case");
        let failure = failed
            .children()
            .find(|n| n.has_tag_name("failure"))
            .expect("failure element");
        assert_eq!(failure.attribute("type"), Some("sysctl-drift"));
        assert!(doc.descendants().any(|n| n.has_tag_name("error")));
        assert!(doc.descendants().any(|n| n.has_tag_name("skipped")));
        let suites = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .count();
        assert_eq!(suites, 4, "sysctl, cpu, etcd, proxy");
    }
}
