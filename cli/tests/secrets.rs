//! Where the secret and the token come from: `--secret`, `--secret-file`,
//! `--token`, or `HOOKGATE_SECRET` / `HOOKGATE_TOKEN`. A flag always wins over
//! an exported variable; two flags that contradict each other are bad usage.

mod support;

use hookgate::Secret;
use serde_json::Value;
use support::{
    axum_receiver, hookgate, hookgate_env, hookgate_env_async, owned, temp_file, OTHER_SECRET,
    SECRET,
};

/// The `svix-signature` line of `hookgate sign` output.
fn signature_line(stdout: &str) -> &str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("svix-signature: "))
        .unwrap_or_else(|| panic!("no signature line in {stdout}"))
}

/// A file holding `text`.
fn secret_file(name: &str, text: &str) -> String {
    let path = temp_file(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

const SIGN: [&str; 7] = ["sign", "--id", "m", "--timestamp", "5", "--body", "{}"];

#[test]
fn secret_file_signs_and_verifies() {
    // A file as editors write it: with a final newline, which is not part of
    // the secret (so the diagnosis does not report stray whitespace).
    let file = secret_file("secret-file.txt", &format!("{SECRET}\n"));
    let mut args = SIGN.to_vec();
    args.extend(["--secret-file", &file]);
    let out = hookgate(&args);
    let expected = Secret::parse(SECRET).unwrap().sign("m", 5, b"{}");
    assert_eq!(signature_line(out.expect(0)), expected);

    let header = format!("svix-signature: {expected}");
    let run = hookgate(&[
        "--json",
        "verify",
        "--secret-file",
        &file,
        "--now",
        "5",
        "--body",
        "{}",
        "-H",
        "svix-id: m",
        "-H",
        "svix-timestamp: 5",
        "-H",
        &header,
    ]);
    let v: Value = serde_json::from_str(run.expect(0)).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["valid"], "{v}");

    let missing = hookgate(&["sign", "--secret-file", "/no/such/file", "--body", "{}"]);
    missing.expect(2);
    assert!(
        missing.stderr.contains("/no/such/file"),
        "{}",
        missing.stderr
    );
}

#[test]
fn secret_file_wins_over_an_exported_secret() {
    let file = secret_file("secret-file-vs-env.txt", SECRET);
    let mut args = SIGN.to_vec();
    args.extend(["--secret-file", &file]);
    let out = hookgate_env(&args, &[("HOOKGATE_SECRET", OTHER_SECRET)]);
    let expected = Secret::parse(SECRET).unwrap().sign("m", 5, b"{}");
    assert_eq!(signature_line(out.expect(0)), expected);

    // --secret also wins over the variable; the variable alone is used.
    let mut args = SIGN.to_vec();
    args.extend(["--secret", SECRET]);
    let out = hookgate_env(&args, &[("HOOKGATE_SECRET", OTHER_SECRET)]);
    assert_eq!(signature_line(out.expect(0)), expected);
    let out = hookgate_env(&SIGN, &[("HOOKGATE_SECRET", SECRET)]);
    assert_eq!(signature_line(out.expect(0)), expected);
}

#[test]
fn contradicting_flags_are_bad_usage() {
    let file = secret_file("secret-file-and-flag.txt", SECRET);
    let mut args = SIGN.to_vec();
    args.extend(["--secret", SECRET, "--secret-file", &file]);
    hookgate(&args).expect(2);

    let url = "http://127.0.0.1:1/webhook/reducto";
    let both = hookgate(&["send", url, "--secret", SECRET, "--token", "tok"]);
    both.expect(2);
    assert!(both.stderr.contains("give one"), "{}", both.stderr);
    let both_env = hookgate_env(
        &["send", url],
        &[("HOOKGATE_SECRET", SECRET), ("HOOKGATE_TOKEN", "tok")],
    );
    both_env.expect(2);
    assert!(
        both_env
            .stderr
            .contains("HOOKGATE_SECRET and HOOKGATE_TOKEN are both set"),
        "{}",
        both_env.stderr
    );
    assert!(
        !both_env.stderr.contains(SECRET),
        "the secret is never printed"
    );
}

/// `hookgate --json send URL EXTRA…` with `env`: exit code and the answers'
/// `status code` pairs.
async fn send(url: &str, extra: &[&str], env: &[(&str, &str)]) -> (i32, Vec<String>) {
    let mut args = owned(&["--json", "send", url]);
    args.extend(owned(extra));
    let env = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let run = hookgate_env_async(args, env).await;
    let v: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    let answers = v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["status"].as_str().unwrap(),
                a["code"].as_str().unwrap()
            )
        })
        .collect();
    (run.code.unwrap(), answers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_token_wins_over_an_exported_secret() {
    let receiver = axum_receiver(&[("WEBHOOK_MODE", "direct"), ("DIRECT_TOKEN", "tok-123")]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let exported = [("HOOKGATE_SECRET", SECRET)];
    let (code, answers) = send(&url, &["--token", "tok-123"], &exported).await;
    assert_eq!((code, answers), (0, vec!["200 received".to_owned()]));
    // The token from the environment, with no secret anywhere.
    let (code, answers) = send(&url, &[], &[("HOOKGATE_TOKEN", "tok-123")]).await;
    assert_eq!((code, answers), (0, vec!["200 received".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_secret_wins_over_an_exported_token() {
    let receiver = axum_receiver(&[("WEBHOOK_SECRET", SECRET)]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let exported = [("HOOKGATE_TOKEN", "tok-123")];
    let (code, answers) = send(&url, &["--secret", SECRET], &exported).await;
    assert_eq!((code, answers), (0, vec!["200 received".to_owned()]));
    let file = secret_file("send-secret-file.txt", &format!("{SECRET}\n"));
    let (code, answers) = send(&url, &["--secret-file", &file], &exported).await;
    assert_eq!((code, answers), (0, vec!["200 received".to_owned()]));
}
