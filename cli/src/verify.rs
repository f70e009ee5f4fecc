//! `hookgate verify`: valid, or exactly why not (the core's
//! [`hookgate::signing::diagnose_text`]; GitHub's and Stripe's verifiers'
//! refusal).

use std::time::Duration;

use hookgate::Tolerance;

use hookgate::adapter::HeaderList;

use hookgate::signing::diagnose_text;
use hookgate::verify::{GitHub, Request, Stripe, Verdict, Verifier};
use serde_json::json;

use crate::args::{Scheme, VerifyArgs};
use crate::error::CliError;
use crate::input;

/// Runs `hookgate verify`: exit 0 when valid, 1 when not.
pub fn run(args: &VerifyArgs, json_out: bool) -> Result<(), CliError> {
    let secret = input::required_secret(&args.secret)?;
    let (mut headers, body) = match &args.request {
        Some(spec) => parse_request(&input::file_or_stdin(spec)?)?,
        None => (
            HeaderList::new(),
            input::body(args.body.as_deref().unwrap_or("-"))?,
        ),
    };
    for line in &args.headers {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| CliError::Usage(format!("--header {line:?} is not `name: value`")))?;
        headers = headers.with(&name.trim().to_ascii_lowercase(), value.trim());
    }
    let now = args.now.unwrap_or_else(input::now);
    let tolerance = Tolerance::symmetric(Duration::from_secs(args.tolerance));
    if args.scheme != Scheme::Standard && secret.is_empty() {
        // An HMAC under an empty key is one anyone can compute.
        return Err(hookgate::signing::SecretError::Empty.into());
    }
    let checked = |verifier: &dyn Verifier| provider(verifier, &headers, &body, now, json_out);
    match args.scheme {
        Scheme::Standard => {}
        Scheme::Github => return checked(&GitHub::new(&secret)),
        Scheme::Stripe => return checked(&Stripe::new(&secret).tolerance(tolerance)),
    }
    let diagnosis = diagnose_text(&secret, &headers, &body, now, tolerance)?;
    if json_out {
        let findings: Vec<_> = diagnosis
            .findings()
            .iter()
            .map(|f| json!({"code": f.code(), "message": f.to_string()}))
            .collect();
        println!(
            "{}",
            json!({"valid": diagnosis.is_valid(), "findings": findings})
        );
    } else {
        println!("{diagnosis}");
    }
    if diagnosis.is_valid() {
        Ok(())
    } else {
        Err(CliError::Negative(String::new()))
    }
}

/// GitHub or Stripe: their verifier's verdict, the delivery id or the
/// refusal's code and message.
fn provider(
    verifier: &dyn Verifier,
    headers: &HeaderList,
    body: &[u8],
    now: i64,
    json_out: bool,
) -> Result<(), CliError> {
    let body = bytes::Bytes::copy_from_slice(body);
    let request = Request {
        headers,
        body: &body,
        client: None,
        now,
        tenant: None,
        path: "",
    };
    let result = match verifier.verify(&request) {
        Verdict::Ready(result) => result,
        // The built-in schemes answer at once.
        Verdict::Pending(_) => {
            return Err(CliError::Negative(
                "the verifier did not answer at once".into(),
            ))
        }
    };
    match (&result, json_out) {
        (Ok(verified), true) => println!(
            "{}",
            json!({"valid": true, "id": verified.id(), "findings": []})
        ),
        (Ok(verified), false) => println!("valid: delivery {}", verified.id()),
        (Err(refusal), true) => println!(
            "{}",
            json!({"valid": false, "findings": [{"code": refusal.code(), "message": refusal.to_string()}]})
        ),
        (Err(refusal), false) => println!("invalid ({}): {refusal}", refusal.code()),
    }
    match result {
        Ok(_) => Ok(()),
        Err(_) => Err(CliError::Negative(String::new())),
    }
}

/// Headers and body of a raw HTTP/1 request.
fn parse_request(raw: &[u8]) -> Result<(HeaderList, Vec<u8>), CliError> {
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut slots);
    let bad =
        |what: &str| CliError::Usage(format!("the request file is not an HTTP request: {what}"));
    let start = match request.parse(raw) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(bad("it ends inside the headers")),
        Err(e) => return Err(bad(&e.to_string())),
    };
    let mut headers = HeaderList::new();
    let mut length = None;
    for h in request.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        if name == "content-length" {
            length = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok());
        }
        headers = headers.with(&name, h.value);
    }
    let rest = &raw[start..];
    let body = match length {
        Some(n) if n <= rest.len() => &rest[..n],
        _ => rest,
    };
    Ok((headers, body.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookgate::adapter::HeaderLookup as _;

    #[test]
    fn a_raw_request_splits_into_headers_and_body() {
        let raw = b"POST /hook HTTP/1.1\r\nSvix-Id: m\r\nContent-Length: 2\r\n\r\n{}trailing";
        let (headers, body) = parse_request(raw).unwrap();
        assert_eq!(headers.first("svix-id"), Some(&b"m"[..]));
        assert_eq!(body, b"{}");
        assert!(parse_request(b"POST /hook HTTP/1.1\r\nSvix-Id").is_err());
    }
}
