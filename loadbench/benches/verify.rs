#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
//! Signature verification cost: hookgate against the bare HMAC-SHA256 floor and
//! the `standardwebhooks` and `svix` crates' own `verify`, over the same bytes,
//! in one run.
//!
//! `cargo bench -p hookgate-loadbench --bench verify`

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use hookgate::{Secret, Tolerance};

use hookgate::signing::KeyRing;
use http::{HeaderMap, HeaderValue};
use sha2::Sha256;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

fn body(len: usize) -> Vec<u8> {
    let mut b = br#"{"status":"Completed","job_id":"job_1","metadata":{"pad":""#.to_vec();
    while b.len() < len - 3 {
        b.push(b'x');
    }
    b.extend_from_slice(b"\"}}");
    b
}

fn headers(prefix: &str, ts: i64, sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        http::HeaderName::from_bytes(format!("{prefix}-id").as_bytes()).unwrap(),
        HeaderValue::from_static(ID),
    );
    h.insert(
        http::HeaderName::from_bytes(format!("{prefix}-timestamp").as_bytes()).unwrap(),
        HeaderValue::from_str(&ts.to_string()).unwrap(),
    );
    h.insert(
        http::HeaderName::from_bytes(format!("{prefix}-signature").as_bytes()).unwrap(),
        HeaderValue::from_str(sig).unwrap(),
    );
    h
}

fn verify(c: &mut Criterion) {
    let key = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(&SECRET["whsec_".len()..])
            .unwrap()
    };
    let secret = Secret::parse(SECRET).unwrap();
    let ring = KeyRing::from(secret.clone());
    let ours_sw = standardwebhooks::Webhook::new(SECRET).unwrap();
    let ours_svix = svix::webhooks::Webhook::new(SECRET).unwrap();

    let mut group = c.benchmark_group("verify");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for size in [1024usize, 64 * 1024, 1024 * 1024] {
        let body = body(size);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let sig = secret.sign(ID, now, &body);
        let svix_headers = headers("svix", now, &sig);
        let std_headers = headers("webhook", now, &sig);
        let ts_text = now.to_string();
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(
            BenchmarkId::new("hmac_sha256_floor", size),
            &body,
            |b, body| {
                b.iter(|| {
                    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
                    mac.update(ID.as_bytes());
                    mac.update(b".");
                    mac.update(ts_text.as_bytes());
                    mac.update(b".");
                    mac.update(black_box(body));
                    black_box(mac.finalize().into_bytes())
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("hookgate", size), &body, |b, body| {
            b.iter(|| {
                ring.verify(&svix_headers, black_box(body), now, Tolerance::default())
                    .unwrap();
            })
        });
        group.bench_with_input(
            BenchmarkId::new("hookgate_signature_only", size),
            &body,
            |b, body| {
                b.iter(|| {
                    assert!(ring.verify_signature(ID, &ts_text, black_box(body), sig.as_bytes()))
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("standardwebhooks", size),
            &body,
            |b, body| b.iter(|| ours_sw.verify(black_box(body), &std_headers).unwrap()),
        );
        group.bench_with_input(BenchmarkId::new("svix", size), &body, |b, body| {
            b.iter(|| ours_svix.verify(black_box(body), &svix_headers).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
