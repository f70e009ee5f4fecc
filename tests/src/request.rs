//! What a sender posts: a body, optionally signed (either header family, one or
//! more secrets, any timestamp), extra headers, and how the body travels
//! (with `Content-Length`, or chunked).

use std::time::Duration;

use bytes::Bytes;
use hookgate::Secret;

use hookgate::signing::HeaderFamily;
use serde_json::Value;

use crate::ids::now_unix;
use crate::schemes::ProviderSign;

/// The protected route of every example receiver.
pub const WEBHOOK_PATH: &str = "/webhook/reducto";

/// When the signed timestamp is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamp {
    /// Now plus this many seconds (negative: in the past), at send time.
    FromNow(i64),
    /// This exact value.
    At(i64),
}

/// How a request is signed.
#[derive(Debug, Clone)]
pub struct Sign {
    /// Which header names carry the signature.
    pub family: HeaderFamily,
    /// The message id.
    pub id: String,
    /// The timestamp.
    pub timestamp: Timestamp,
    /// A `v1` entry is computed with each of these secrets, in order.
    pub secrets: Vec<String>,
    /// Entries written before the computed ones (e.g. stale signatures).
    pub extra_before: Vec<String>,
    /// When set, this exact header value is sent instead of computed entries;
    /// `<valid>` in it is replaced by the `v1` signature of the first secret.
    pub header_override: Option<String>,
    /// When set, this exact timestamp header value is sent (after signing with
    /// the parsed timestamp, if it parses).
    pub timestamp_override: Option<String>,
    /// Headers of the family to leave out (e.g. `"svix-signature"`).
    pub omit: Vec<&'static str>,
    /// When set, the signature is computed over this body instead of the one
    /// sent (a tampered body).
    pub body_override: Option<Bytes>,
}

impl Sign {
    /// Signs with `secret`, `svix-*` headers, timestamp now.
    pub fn svix(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            family: HeaderFamily::Svix,
            id: id.into(),
            timestamp: Timestamp::FromNow(0),
            secrets: vec![secret.into()],
            extra_before: Vec::new(),
            header_override: None,
            timestamp_override: None,
            omit: Vec::new(),
            body_override: None,
        }
    }

    /// Signs with `secret`, `webhook-*` headers (Standard Webhooks), timestamp now.
    pub fn standard(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            family: HeaderFamily::StandardWebhooks,
            ..Self::svix(id, secret)
        }
    }

    /// The same, at another timestamp.
    pub fn at(mut self, timestamp: Timestamp) -> Self {
        self.timestamp = timestamp;
        self
    }

    fn headers(&self, body: &[u8]) -> Vec<(String, String)> {
        let body = self.body_override.as_deref().unwrap_or(body);
        let ts = match self.timestamp {
            Timestamp::FromNow(d) => now_unix() + d,
            Timestamp::At(t) => t,
        };
        let computed: Vec<String> = self
            .secrets
            .iter()
            .filter_map(|s| Secret::parse(s).ok())
            .map(|s| s.sign(&self.id, ts, body))
            .collect();
        let signature = match &self.header_override {
            Some(h) => h.replace("<valid>", computed.first().map_or("", String::as_str)),
            None => self
                .extra_before
                .iter()
                .cloned()
                .chain(computed)
                .collect::<Vec<_>>()
                .join(" "),
        };
        let [id_name, ts_name, sig_name] = self.family.names();
        let ts_value = self.timestamp_override.clone().unwrap_or(ts.to_string());
        [
            (id_name, self.id.clone()),
            (ts_name, ts_value),
            (sig_name, signature),
        ]
        .into_iter()
        .filter(|(name, _)| !self.omit.contains(name))
        .map(|(n, v)| (n.to_owned(), v))
        .collect()
    }
}

/// How the body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// With a `Content-Length` that matches the body.
    Sized,
    /// `Transfer-Encoding: chunked`, in chunks of this many bytes, with no
    /// `Content-Length`.
    Chunked(usize),
}

/// One request to a receiver.
#[derive(Debug, Clone)]
pub struct Req {
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path, e.g. [`WEBHOOK_PATH`].
    pub path: String,
    /// The raw body.
    pub body: Bytes,
    /// How to sign it, if at all.
    pub sign: Option<Sign>,
    /// More headers (e.g. `X-Forwarded-For`).
    pub headers: Vec<(String, String)>,
    /// How the body travels.
    pub transfer: Transfer,
    /// Signed the way GitHub or Stripe sign (at send time), if at all.
    pub provider: Option<ProviderSign>,
}

impl Req {
    /// `POST /webhook/reducto` with this raw body, unsigned.
    pub fn raw(body: impl Into<Bytes>) -> Self {
        Self {
            method: reqwest::Method::POST,
            path: WEBHOOK_PATH.to_owned(),
            body: body.into(),
            sign: None,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            transfer: Transfer::Sized,
            provider: None,
        }
    }

    /// `POST /webhook/reducto` with this JSON body, unsigned.
    pub fn json(body: &Value) -> Self {
        Self::raw(serde_json::to_vec(body).unwrap_or_default())
    }

    /// A Reducto job event body: `{"status", "job_id", "metadata"}`.
    pub fn job_event(job_id: &str, status: &str, metadata: Value) -> Self {
        Self::json(&serde_json::json!({
            "status": status,
            "job_id": job_id,
            "metadata": metadata,
        }))
    }

    /// A `GET` of `path`.
    pub fn get(path: &str) -> Self {
        Self {
            method: reqwest::Method::GET,
            path: path.to_owned(),
            body: Bytes::new(),
            sign: None,
            headers: Vec::new(),
            transfer: Transfer::Sized,
            provider: None,
        }
    }

    /// A `POST` of `path` with an empty body.
    pub fn post(path: &str) -> Self {
        Self {
            method: reqwest::Method::POST,
            ..Self::get(path)
        }
    }

    /// Signs it.
    pub fn signed(mut self, sign: Sign) -> Self {
        self.sign = Some(sign);
        self
    }

    /// Signs it the way GitHub or Stripe do.
    pub fn provider_signed(mut self, sign: ProviderSign) -> Self {
        self.provider = Some(sign);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sends the body chunked.
    pub fn chunked(mut self, chunk: usize) -> Self {
        self.transfer = Transfer::Chunked(chunk.max(1));
        self
    }

    /// Sends it to `base` (`http://host:port`).
    pub async fn send(
        &self,
        client: &reqwest::Client,
        base: &str,
    ) -> Result<Reply, reqwest::Error> {
        let mut rb = client
            .request(self.method.clone(), format!("{base}{}", self.path))
            .timeout(Duration::from_secs(30));
        if let Some(sign) = &self.sign {
            for (n, v) in sign.headers(&self.body) {
                rb = rb.header(n, v);
            }
        }
        if let Some(sign) = &self.provider {
            for (n, v) in sign.headers(&self.body) {
                rb = rb.header(n, v);
            }
        }
        for (n, v) in &self.headers {
            rb = rb.header(n, v);
        }
        rb = match self.transfer {
            Transfer::Sized => rb.body(self.body.clone()),
            Transfer::Chunked(size) => {
                let chunks: Vec<Result<Bytes, std::io::Error>> = self
                    .body
                    .chunks(size)
                    .map(|c| Ok(Bytes::copy_from_slice(c)))
                    .collect();
                rb.body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                )))
            }
        };
        let res = rb.send().await?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.bytes().await?;
        Ok(Reply {
            status,
            retry_after,
            content_type,
            body,
        })
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The raw body.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as (lossy) text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client for the tests: no proxy, no connection reuse surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
