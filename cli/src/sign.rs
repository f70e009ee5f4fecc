//! `hookgate sign`: the signature headers for a body (Standard Webhooks /
//! Svix, GitHub or Stripe), or a curl line.

use hookgate::signing::HeaderFamily;
use std::sync::Arc;

use hookgate::testing::SenderKey;
use serde_json::json;

use crate::args::{Family, Scheme, SignArgs};
use crate::error::CliError;
use crate::input;
use crate::outgoing::Signing;

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
pub fn refuse(given: bool, option: &str, scheme: Scheme, why: &str) -> Result<(), CliError> {
    if given {
        return Err(CliError::Usage(format!(
            "{option} does not apply to --scheme {}: {why}",
            scheme_name(scheme)
        )));
    }
    Ok(())
}

/// The scheme's name on the command line.
pub fn scheme_name(scheme: Scheme) -> String {
    use clap::ValueEnum as _;
    scheme
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// A fresh id for `scheme`'s deliveries: `msg_…`, `delivery_…`, `evt_…`.
pub fn fresh_id(scheme: Scheme) -> String {
    input::fresh_id(match scheme {
        Scheme::Standard => "msg",
        Scheme::Github => "delivery",
        Scheme::Stripe => "evt",
    })
}

/// How `scheme` signs with `secret` the delivery `id`, refusing the options
/// it does not sign: `--headers` outside Standard Webhooks, `--event`
/// outside GitHub.
pub fn signing(
    scheme: Scheme,
    secret: &str,
    headers: Option<Family>,
    event: Option<&str>,
    id: String,
) -> Result<Signing, CliError> {
    if scheme != Scheme::Github {
        refuse(
            event.is_some(),
            "--event",
            scheme,
            "it is GitHub's X-GitHub-Event",
        )?;
    }
    if scheme == Scheme::Standard {
        return Ok(Signing::Standard {
            keys: Arc::new(sender_keys(secret)?),
            family: header_family(headers.unwrap_or_default()),
            id,
        });
    }
    refuse(
        headers.is_some(),
        "--headers",
        scheme,
        "it picks Standard Webhooks' header names",
    )?;
    if secret.is_empty() {
        // An HMAC under an empty key is one anyone can compute.
        return Err(hookgate::signing::SecretError::Empty.into());
    }
    Ok(match scheme {
        Scheme::Github => Signing::GitHub {
            secret: secret.into(),
            delivery: id,
            event: event.unwrap_or("ping").to_owned(),
        },
        _ => Signing::Stripe {
            secret: secret.into(),
        },
    })
}

/// The headers `args` asks for, signed over `body`.
fn signed_headers(args: &SignArgs, body: &[u8]) -> Result<Vec<(&'static str, String)>, CliError> {
    let secret = input::required_secret(&args.secret)?;
    match args.scheme {
        Scheme::Github => refuse(
            args.timestamp.is_some(),
            "--timestamp",
            args.scheme,
            "GitHub signs no timestamp",
        )?,
        Scheme::Stripe => refuse(
            args.id.is_some(),
            "--id",
            args.scheme,
            "the event id is the body's `id`",
        )?,
        Scheme::Standard => {}
    }
    let id = args.id.clone().unwrap_or_else(|| fresh_id(args.scheme));
    let signing = signing(
        args.scheme,
        &secret,
        args.headers,
        args.event.as_deref(),
        id,
    )?;
    Ok(signing.headers(body, args.timestamp.unwrap_or_else(input::now)))
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
