//! `hookgate sign`: the signature headers for a body (Standard Webhooks /
//! Svix, GitHub or Stripe), or a curl line.

use hookgate::signing::HeaderFamily;
use hookgate::testing::{github_signature, stripe_signature, SenderKey};
use serde_json::json;

use crate::args::{Family, Scheme, SignArgs};
use crate::error::CliError;
use crate::input;

/// The header family `family` names.
pub fn header_family(family: Family) -> HeaderFamily {
    match family {
        Family::Svix => HeaderFamily::Svix,
        Family::Webhook => HeaderFamily::StandardWebhooks,
    }
}

/// The sender keys in `text`: one or more `whsec_`/`whsk_` values separated
/// by spaces or commas.
pub fn sender_keys(text: &str) -> Result<Vec<SenderKey>, CliError> {
    let keys = text
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|p| !p.is_empty())
        .map(SenderKey::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(hookgate::signing::SecretError::Empty.into());
    }
    Ok(keys)
}

/// The signature header value: one entry per key.
pub fn signature(keys: &[SenderKey], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|k| k.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses an option the scheme has no use for, rather than ignoring it.
fn refuse(given: bool, option: &str, scheme: &str, why: &str) -> Result<(), CliError> {
    if given {
        return Err(CliError::Usage(format!(
            "{option} does not apply to --scheme {scheme}: {why}"
        )));
    }
    Ok(())
}

/// The headers `args` asks for, signed over `body`.
fn signed_headers(args: &SignArgs, body: &[u8]) -> Result<Vec<(&'static str, String)>, CliError> {
    let secret = input::required_secret(&args.secret)?;
    let other_scheme = |name: &str| -> Result<(), CliError> {
        refuse(
            args.headers.is_some(),
            "--headers",
            name,
            "it picks Standard Webhooks' header names",
        )
    };
    Ok(match args.scheme {
        Scheme::Standard => {
            refuse(
                args.event.is_some(),
                "--event",
                "standard",
                "the event is in the body",
            )?;
            let keys = sender_keys(&secret)?;
            let id = args.id.clone().unwrap_or_else(|| input::fresh_id("msg"));
            let timestamp = args.timestamp.unwrap_or_else(input::now);
            let sig = signature(&keys, &id, timestamp, body);
            let [id_name, ts_name, sig_name] =
                header_family(args.headers.unwrap_or_default()).names();
            vec![
                (id_name, id),
                (ts_name, timestamp.to_string()),
                (sig_name, sig),
            ]
        }
        Scheme::Github => {
            other_scheme("github")?;
            refuse(
                args.timestamp.is_some(),
                "--timestamp",
                "github",
                "GitHub signs no timestamp",
            )?;
            if secret.is_empty() {
                return Err(hookgate::signing::SecretError::Empty.into());
            }
            vec![
                (
                    "X-GitHub-Delivery",
                    args.id
                        .clone()
                        .unwrap_or_else(|| input::fresh_id("delivery")),
                ),
                (
                    "X-GitHub-Event",
                    args.event.clone().unwrap_or_else(|| "ping".to_owned()),
                ),
                ("X-Hub-Signature-256", github_signature(&secret, body)),
            ]
        }
        Scheme::Stripe => {
            other_scheme("stripe")?;
            refuse(
                args.id.is_some(),
                "--id",
                "stripe",
                "the event id is the body's `id`",
            )?;
            refuse(
                args.event.is_some(),
                "--event",
                "stripe",
                "the event type is the body's `type`",
            )?;
            if secret.is_empty() {
                return Err(hookgate::signing::SecretError::Empty.into());
            }
            let timestamp = args.timestamp.unwrap_or_else(input::now);
            vec![(
                "Stripe-Signature",
                stripe_signature(&secret, timestamp, body),
            )]
        }
    })
}

/// Runs `hookgate sign`.
pub fn run(args: &SignArgs, json_out: bool) -> Result<(), CliError> {
    let body = input::body(&args.body)?;
    let headers = signed_headers(args, &body)?;
    if let Some(url) = &args.curl {
        println!("{}", curl_line(url, &headers, &args.body, &body)?);
    } else if json_out {
        let map: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone().into()))
            .collect();
        println!("{}", json!({ "headers": map }));
    } else {
        for (name, value) in &headers {
            println!("{name}: {value}");
        }
    }
    Ok(())
}

/// A `curl` command posting `body` with `headers`; a body from a file is
/// posted from that file, byte for byte.
fn curl_line(
    url: &str,
    headers: &[(&str, String)],
    spec: &str,
    body: &[u8],
) -> Result<String, CliError> {
    let data = match spec.strip_prefix('@') {
        Some(_) => spec.to_owned(),
        None => String::from_utf8(body.to_vec()).map_err(|_| {
            CliError::Usage("a binary body needs --body @FILE for a curl line".into())
        })?,
    };
    let mut words = vec!["curl".to_owned(), "-sS".into(), "-i".into(), url.to_owned()];
    words.extend(["-H".into(), "content-type: application/json".into()]);
    for (name, value) in headers {
        words.extend(["-H".into(), format!("{name}: {value}")]);
    }
    words.extend(["--data-binary".into(), data]);
    shlex::try_join(words.iter().map(String::as_str))
        .map_err(|e| CliError::Usage(format!("cannot quote the curl line: {e}")))
}
