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

/// The environment variable a secret is read from when no flag gives one.
pub const SECRET_ENV: &str = "HOOKGATE_SECRET";
/// The environment variable `send` reads a direct-mode token from when no
/// flag gives one.
pub const TOKEN_ENV: &str = "HOOKGATE_TOKEN";

/// Where a value came from. A flag always wins over the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--secret`, `--secret-file` or `--token`.
    Flag,
    /// `HOOKGATE_SECRET` or `HOOKGATE_TOKEN`.
    Env,
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Given {
    /// The value, exactly as given (a file's final newline removed).
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

/// The environment variable `name`, when set and not empty.
fn env_var(name: &str) -> Result<Option<String>, CliError> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CliError::Usage(format!("{name} is not valid UTF-8")))
        }
    }
}

/// The secret: `--secret`, else `--secret-file` (clap refuses both), else
/// `HOOKGATE_SECRET`. The text is kept exactly as given (the diagnosis looks
/// at stray whitespace), except a file's final newline, which editors add.
pub fn secret(args: &SecretArgs) -> Result<Option<Given>, CliError> {
    let flag = |value: String| {
        Some(Given {
            value,
            origin: Origin::Flag,
        })
    };
    if let Some(value) = &args.secret {
        return Ok(flag(value.clone()));
    }
    if let Some(path) = &args.secret_file {
        let bytes = read_file(path, "the secret")?;
        let mut text = String::from_utf8(bytes)
            .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", path.display())))?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        return Ok(flag(text));
    }
    Ok(env_var(SECRET_ENV)?.map(|value| Given {
        value,
        origin: Origin::Env,
    }))
}

/// The secret, which this command needs.
pub fn required_secret(args: &SecretArgs) -> Result<String, CliError> {
    secret(args)?.map(|given| given.value).ok_or_else(|| {
        CliError::Usage(format!(
            "a secret is needed: --secret whsec_…, --secret-file FILE, or {SECRET_ENV}"
        ))
    })
}

/// How `send` authenticates its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendAuth {
    /// Signed with this secret text.
    Signed(String),
    /// Direct (unsigned), with this token in `metadata.webhook_secret` if any.
    Direct(Option<String>),
}

/// Signed or direct: a secret signs, a token goes in the payload. A flag wins
/// over the other's environment variable (`--token` over `HOOKGATE_SECRET`,
/// `--secret` over `HOOKGATE_TOKEN`); both given the same way is a mistake.
pub fn send_auth(args: &SecretArgs, token_flag: Option<&str>) -> Result<SendAuth, CliError> {
    let secret = secret(args)?;
    let token = match token_flag {
        Some(value) => Some(Given {
            value: value.to_owned(),
            origin: Origin::Flag,
        }),
        None => env_var(TOKEN_ENV)?.map(|value| Given {
            value,
            origin: Origin::Env,
        }),
    };
    match (secret, token) {
        (None, token) => Ok(SendAuth::Direct(token.map(|t| t.value))),
        (Some(secret), None) => Ok(SendAuth::Signed(secret.value)),
        (Some(secret), Some(token)) => match (secret.origin, token.origin) {
            (Origin::Flag, Origin::Env) => Ok(SendAuth::Signed(secret.value)),
            (Origin::Env, Origin::Flag) => Ok(SendAuth::Direct(Some(token.value))),
            (Origin::Flag, Origin::Flag) => Err(CliError::Usage(
                "--secret signs the delivery, --token is for direct (unsigned) ones: give one"
                    .into(),
            )),
            (Origin::Env, Origin::Env) => Err(CliError::Usage(format!(
                "{SECRET_ENV} and {TOKEN_ENV} are both set: pass --secret (signed) or --token (direct) to choose"
            ))),
        },
    }
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
