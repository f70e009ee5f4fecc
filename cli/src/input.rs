//! Reading what the user points at: bodies (`@FILE`, `-`, text) and secrets
//! (`--secret`, `HOOKGATE_SECRET`, `--secret-file`).

use std::io::Read as _;
use std::path::Path;

use crate::args::SecretArgs;
use crate::error::CliError;

/// The bytes `spec` names: `@FILE` reads the file, `-` standard input, anything
/// else is the body itself.
pub fn body(spec: &str) -> Result<Vec<u8>, CliError> {
    if spec == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(CliError::io("cannot read the body from standard input"))?;
        Ok(buf)
    } else if let Some(path) = spec.strip_prefix('@') {
        read_file(Path::new(path), "the body")
    } else {
        Ok(spec.as_bytes().to_vec())
    }
}

/// The file at `spec`, or standard input for `-`.
pub fn file_or_stdin(spec: &str) -> Result<Vec<u8>, CliError> {
    if spec == "-" {
        body(spec)
    } else {
        read_file(Path::new(spec), "the request")
    }
}

/// The file at `path`.
pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(CliError::io(format!(
        "cannot read {what} from {}",
        path.display()
    )))
}

/// The secret text, exactly as given (the diagnosis looks at stray whitespace).
pub fn secret(args: &SecretArgs) -> Result<Option<String>, CliError> {
    if let Some(path) = &args.secret_file {
        let bytes = read_file(path, "the secret")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", path.display())))?;
        return Ok(Some(text));
    }
    Ok(args.secret.clone())
}

/// The secret, which this command needs.
pub fn required_secret(args: &SecretArgs) -> Result<String, CliError> {
    secret(args)?.ok_or_else(|| {
        CliError::Usage(
            "a secret is needed: --secret whsec_…, HOOKGATE_SECRET, or --secret-file FILE".into(),
        )
    })
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    use hookgate::clock::Clock as _;
    hookgate::clock::SystemClock.now_unix()
}

/// A fresh random id with this prefix (`msg_…`, `job_…`).
pub fn fresh_id(prefix: &str) -> String {
    let n: u64 = rand::random();
    format!("{prefix}_{n:016x}")
}
