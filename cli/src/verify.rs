//! `hookgate verify`: valid, or exactly why not (the core's [`hookgate::signing::diagnose_text`]).

use std::time::Duration;

use hookgate::Tolerance;

use hookgate::adapter::HeaderList;

use hookgate::signing::diagnose_text;
use serde_json::json;

use crate::args::VerifyArgs;
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
