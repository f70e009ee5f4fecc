//! The Grafana dashboard, the alert rules and the guide's metrics table in
//! `docs/` name only what hookgate emits: every metric name in every query is
//! in [`hookgate::observe::METRICS`] (a histogram through its `_bucket`,
//! `_sum` or `_count` series), every label it filters or groups by is one of
//! that metric's labels, and every `outcome` it matches is an outcome code.

use std::collections::BTreeSet;
use std::path::PathBuf;

use hookgate::observe::{MetricInfo, MetricKind, METRICS, OUTCOME_CODES};

fn doc(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Labels Prometheus adds to every series it scrapes.
const TARGET_LABELS: &[&str] = &["job", "instance"];

/// One metric named in a query: the table's row, and whether the query
/// reads a histogram's `_bucket` series.
struct Named {
    info: &'static MetricInfo,
    bucket: bool,
}

fn metric(token: &str) -> Result<Named, String> {
    if let Some(info) = METRICS.iter().find(|m| m.name == token) {
        return match info.kind {
            MetricKind::Histogram => Err(format!(
                "`{token}` is a histogram: query its _bucket, _sum or _count"
            )),
            _ => Ok(Named {
                info,
                bucket: false,
            }),
        };
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = token.strip_suffix(suffix) {
            if let Some(info) = METRICS
                .iter()
                .find(|m| m.name == base && m.kind == MetricKind::Histogram)
            {
                return Ok(Named {
                    info,
                    bucket: suffix == "_bucket",
                });
            }
        }
    }
    Err(format!("`{token}` is not in hookgate::observe::METRICS"))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Checks one PromQL expression; returns the metric names it reads.
fn check(expr: &str) -> Result<BTreeSet<&'static str>, String> {
    let bytes = expr.as_bytes();
    let mut named = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !is_ident(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let token = &expr[start..i];
            if !token.starts_with("hookgate_") {
                continue;
            }
            let m = metric(token)?;
            // Its label matchers, if any.
            if bytes.get(i) == Some(&b'{') {
                let end = expr[i..].find('}').ok_or("an unclosed `{`")? + i;
                for matcher in expr[i + 1..end]
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    let op_at = matcher
                        .find(['=', '!'])
                        .ok_or(format!("matcher `{matcher}`"))?;
                    let label = matcher[..op_at].trim();
                    let value = matcher[op_at..]
                        .trim_start_matches(['=', '!', '~'])
                        .trim()
                        .trim_matches('"');
                    let allowed = m.info.labels.contains(&label)
                        || TARGET_LABELS.contains(&label)
                        || (m.bucket && label == "le");
                    if !allowed {
                        return Err(format!("`{}` has no label `{label}`", m.info.name));
                    }
                    if label == "outcome" {
                        for code in value.split('|') {
                            if !OUTCOME_CODES.contains(&code) {
                                return Err(format!("`{code}` is not an outcome code"));
                            }
                        }
                    }
                }
                i = end + 1;
            }
            named.push(m);
        } else {
            i += 1;
        }
    }
    if named.is_empty() {
        return Err("names no hookgate metric".to_owned());
    }
    // Grouping labels: each must belong to a metric the expression reads.
    let mut rest = expr;
    while let Some(at) = rest.find(" by (").or_else(|| rest.find(" by(")) {
        let open = rest[at..].find('(').unwrap() + at;
        let close = rest[open..].find(')').ok_or("an unclosed `by (`")? + open;
        for label in rest[open + 1..close].split(',').map(str::trim) {
            let known = named
                .iter()
                .any(|m| m.info.labels.contains(&label) || (m.bucket && label == "le"))
                || TARGET_LABELS.contains(&label);
            if !known {
                return Err(format!(
                    "grouped by `{label}`, a label none of its metrics has"
                ));
            }
        }
        rest = &rest[close..];
    }
    Ok(named.iter().map(|m| m.info.name).collect())
}

fn dashboard_queries() -> Vec<(String, String)> {
    let json: serde_json::Value =
        serde_json::from_str(&doc("observability/grafana-dashboard.json"))
            .expect("the dashboard is JSON");
    let mut queries = Vec::new();
    for panel in json["panels"].as_array().expect("panels") {
        let title = panel["title"].as_str().expect("every panel has a title");
        let targets = panel["targets"]
            .as_array()
            .expect("every panel has targets");
        assert!(!targets.is_empty(), "panel `{title}` has no query");
        for target in targets {
            let expr = target["expr"].as_str().expect("every target has an expr");
            queries.push((title.to_owned(), expr.to_owned()));
        }
    }
    for var in json["templating"]["list"].as_array().expect("templating") {
        if let Some(q) = var["query"]["query"].as_str() {
            queries.push((format!("variable {}", var["name"]), q.to_owned()));
        }
    }
    queries
}

/// `(alert name, expr)` of every rule in the rules file.
fn alert_rules() -> Vec<(String, String)> {
    let text = doc("observability/alerts.yml");
    let mut rules = Vec::new();
    let mut name = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("- alert:") {
            name = Some(n.trim().to_owned());
        } else if let Some(expr) = line.strip_prefix("expr:") {
            let expr = expr.trim().trim_matches('\'');
            rules.push((
                name.take().expect("an expr under its alert"),
                expr.to_owned(),
            ));
        }
    }
    rules
}

#[test]
fn every_dashboard_query_reads_documented_metrics_and_labels() {
    let mut read = BTreeSet::new();
    let queries = dashboard_queries();
    assert!(
        queries.len() >= 15,
        "the dashboard has {} queries",
        queries.len()
    );
    for (title, expr) in &queries {
        match check(expr) {
            Ok(names) => read.extend(names),
            Err(e) => panic!("dashboard panel `{title}`: {e}\n  {expr}"),
        }
    }
    // And it shows every metric hookgate emits.
    for m in METRICS {
        assert!(
            read.contains(m.name),
            "no dashboard panel shows `{}`",
            m.name
        );
    }
}

#[test]
fn every_alert_reads_documented_metrics_and_labels() {
    let rules = alert_rules();
    for (alert, expr) in &rules {
        if let Err(e) = check(expr) {
            panic!("alert `{alert}`: {e}\n  {expr}");
        }
    }
    let names: Vec<&str> = rules.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in [
        "HookgateSignatureFailureSpike",
        "HookgateUnavailable",
        "HookgateDeadLetters",
        "HookgateQueueBacklog",
    ] {
        assert!(names.contains(&wanted), "no `{wanted}` rule in {names:?}");
    }
}

#[test]
fn the_guides_metrics_table_is_the_emitted_set() {
    let guide = doc("observability.md");
    let in_table: BTreeSet<String> = guide
        .lines()
        .filter_map(|l| l.strip_prefix("| `hookgate_"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| format!("hookgate_{name}"))
        .collect();
    let emitted: BTreeSet<String> = METRICS.iter().map(|m| m.name.to_owned()).collect();
    assert_eq!(in_table, emitted, "docs/observability.md's metrics table");
}

#[test]
fn the_checker_refuses_what_hookgate_does_not_emit() {
    assert!(check("rate(hookgate_deliveries_total[5m])").is_ok());
    assert!(check("rate(hookgate_delivery_total[5m])").is_err());
    assert!(check("hookgate_handler_duration_seconds").is_err());
    assert!(check("rate(hookgate_in_flight_bucket[5m])").is_err());
    assert!(check(r#"rate(hookgate_deliveries_total{outcome="forged"}[5m])"#).is_err());
    assert!(check(r#"rate(hookgate_deliveries_total{message_id="m"}[5m])"#).is_err());
    assert!(check("sum by (op) (rate(hookgate_deliveries_total[5m]))").is_err());
    assert!(check("sum by (le) (rate(hookgate_verify_duration_seconds_bucket[5m]))").is_ok());
    assert!(check("up").is_err());
}
