//! The capture file `send --save` writes and `replay --from` reads: one JSON
//! object per line, the body base64-encoded so it replays byte for byte.

use std::io::Write as _;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// One delivery as it was first sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captured {
    /// Where it was sent.
    pub url: String,
    /// Its headers, names lower-case, in order.
    pub headers: Vec<(String, String)>,
    /// Its body, base64.
    pub body: String,
}

impl Captured {
    /// A capture of `headers` and `body` sent to `url`.
    pub fn new(url: &str, headers: &[(String, String)], body: &[u8]) -> Self {
        Self {
            url: url.to_owned(),
            headers: headers.to_vec(),
            body: STANDARD.encode(body),
        }
    }

    /// The body bytes.
    pub fn body_bytes(&self) -> Result<Vec<u8>, CliError> {
        STANDARD
            .decode(&self.body)
            .map_err(|e| CliError::Usage(format!("a captured body is not base64: {e}")))
    }
}

/// Appends `captures` to the file at `path`.
pub fn save(path: &Path, captures: &[Captured]) -> Result<(), CliError> {
    let what = || format!("cannot write the capture file {}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(CliError::io(what()))?;
    let mut text = String::new();
    for capture in captures {
        let line = serde_json::to_string(capture)
            .map_err(|e| CliError::Usage(format!("cannot encode a capture: {e}")))?;
        text.push_str(&line);
        text.push('\n');
    }
    file.write_all(text.as_bytes())
        .map_err(CliError::io(what()))
}

/// Reads every capture in the file at `path`.
pub fn load(path: &Path) -> Result<Vec<Captured>, CliError> {
    let bytes = crate::input::read_file(path, "the capture file")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::Usage(format!("{} is not UTF-8", path.display())))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| CliError::Usage(format!("{} line {}: {e}", path.display(), n + 1)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_round_trips_through_its_line() {
        let c = Captured::new("http://x/", &[("svix-id".into(), "m".into())], b"\xff{}");
        let line = serde_json::to_string(&c).unwrap();
        let back: Captured = serde_json::from_str(&line).unwrap();
        assert_eq!(back.body_bytes().unwrap(), b"\xff{}");
        assert_eq!(back, c);
    }
}
