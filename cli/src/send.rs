//! `hookgate send URL`: act as Reducto — job events, signed (Standard
//! Webhooks, or as GitHub or Stripe sign) or direct, with the sender's
//! retries, duplicates and load.

use std::io::IsTerminal as _;
use std::time::Duration;

use bytes::Bytes;
use hookgate::testing::TestDelivery;
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{Scheme, SendArgs};
use crate::capture::{self, Captured};
use crate::deliver::{self, Outcome, Plan};
use crate::error::CliError;
use crate::input::{self, SendAuth};
use crate::outgoing::{Outgoing, Signing};
use crate::report::{self, Summary};
use crate::retry;
use crate::sign;

/// Runs `hookgate send`.
pub async fn run(args: &SendArgs, json_out: bool) -> Result<(), CliError> {
    if !(args.speed > 0.0 && args.speed.is_finite()) {
        return Err(CliError::Usage("--speed must be a positive number".into()));
    }
    if args.count == 0 || args.concurrency == 0 {
        return Err(CliError::Usage(
            "--count and --concurrency must be at least 1".into(),
        ));
    }
    let (signing, token) = match input::send_auth(&args.secret, args.token.as_deref())? {
        SendAuth::Signed(text) => {
            let signing = sign::signing(
                args.scheme,
                &text,
                args.headers,
                args.event.as_deref(),
                String::new(),
            )?;
            (Some(signing), None)
        }
        SendAuth::Direct(token) => {
            if args.scheme != Scheme::Standard {
                return Err(CliError::Usage(format!(
                    "--scheme {} signs its deliveries: give its secret with --secret",
                    sign::scheme_name(args.scheme)
                )));
            }
            (None, token)
        }
    };
    let raw_body = args.body.as_deref().map(input::body).transpose()?;
    let metadata = args
        .metadata
        .iter()
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| CliError::Usage(format!("--metadata {kv:?} is not `key=value`")))?;
            let value = serde_json::from_str(v).unwrap_or_else(|_| v.into());
            Ok((k.to_owned(), value))
        })
        .collect::<Result<Vec<(String, serde_json::Value)>, CliError>>()?;
    let job_base = args
        .job_id
        .clone()
        .unwrap_or_else(|| input::fresh_id("job"));
    let id_base = args
        .id
        .clone()
        .unwrap_or_else(|| sign::fresh_id(args.scheme));
    let numbered = |base: &str, n: u64| {
        if args.count == 1 {
            base.to_owned()
        } else {
            format!("{base}_{n}")
        }
    };
    let deliveries: Vec<Outgoing> = (0..args.count)
        .map(|n| {
            let job_id = numbered(&job_base, n);
            let id = numbered(&id_base, n);
            let body = match &raw_body {
                Some(bytes) => Bytes::from(bytes.clone()),
                None => {
                    let mut event = TestDelivery::direct().event(&job_id, &args.status);
                    for (k, v) in &metadata {
                        event = event.metadata(k, v.clone());
                    }
                    if let Some(token) = &token {
                        event = event.token(token);
                    }
                    let body = event.build().body;
                    match &signing {
                        // Stripe's event id is the body's `id`.
                        Some(Signing::Stripe { .. }) => with_id(&body, &id),
                        _ => body,
                    }
                }
            };
            let signing = signing.as_ref().map(|s| s.with_id(&id));
            Outgoing {
                url: args.url.clone(),
                headers: vec![("content-type".into(), "application/json".into())],
                label: if signing.is_some() { id } else { job_id },
                signing,
                body,
            }
        })
        .collect();
    let plan = Plan {
        copies: 1 + args.duplicates,
        concurrency: args.concurrency,
        retry_delays: retry::schedule(args.retries, args.speed),
    };
    let outcomes = execute(deliveries, &plan, args.timeout, json_out).await?;
    if let Some(path) = &args.save {
        let captures: Vec<Captured> = outcomes.iter().filter_map(|o| o.captured.clone()).collect();
        capture::save(path, &captures)?;
    }
    finish(&outcomes, json_out)
}

/// The JSON object `body` with `"id": id` added at its top (a job event
/// made here, always an object).
fn with_id(body: &Bytes, id: &str) -> Bytes {
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body) {
        Ok(mut event) => {
            event.insert("id".to_owned(), id.into());
            serde_json::to_vec(&event).map_or_else(|_| body.clone(), Bytes::from)
        }
        Err(_) => body.clone(),
    }
}

pub(crate) async fn execute(
    deliveries: Vec<Outgoing>,
    plan: &Plan,
    timeout: f64,
    json_out: bool,
) -> Result<Vec<Outcome>, CliError> {
    if !(timeout > 0.0 && timeout.is_finite()) {
        return Err(CliError::Usage(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs_f64(timeout))
        .build()
        .map_err(|e| CliError::Usage(format!("cannot make an HTTP client: {e}")))?;
    let total = deliveries.len() as u64 * plan.copies;
    let progress = if total > 1 && !json_out && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} sends, {per_sec}, eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let outcomes = deliver::run(&client, deliveries, plan, &progress).await;
    progress.finish_and_clear();
    Ok(outcomes)
}

pub(crate) fn finish(outcomes: &[Outcome], json_out: bool) -> Result<(), CliError> {
    let summary = Summary::of(outcomes);
    if json_out {
        report::print_json(outcomes, &summary);
    } else {
        report::print_text(outcomes, &summary);
    }
    if summary.ok() {
        Ok(())
    } else {
        Err(CliError::Negative(format!(
            "{} of {} sends were not accepted",
            summary.failed_sends,
            outcomes.iter().map(|o| o.sends.len()).sum::<usize>()
        )))
    }
}
