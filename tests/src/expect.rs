//! What an answer must look like: status, JSON fields, `Retry-After`.

use serde_json::Value;

use crate::request::Reply;

/// The expected shape of one answer.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The status code.
    pub status: u16,
    /// Fields the JSON body must have with these values (others may exist).
    pub fields: Vec<(&'static str, Value)>,
    /// Fields the JSON body must not have.
    pub absent: Vec<&'static str>,
    /// Whether `Retry-After` must be present (`Some(true)`), absent
    /// (`Some(false)`), or either (`None`).
    pub retry_after: Option<bool>,
    /// Whether the body must be JSON with `Content-Type: application/json`.
    pub json: bool,
}

impl Expect {
    /// This status, JSON body, no other requirement.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            fields: Vec::new(),
            absent: Vec::new(),
            retry_after: None,
            json: true,
        }
    }

    /// `200 {"received": true}` and no `duplicate`: the handler processed it.
    pub fn processed() -> Self {
        Self::status(200)
            .field("received", true)
            .without("duplicate")
    }

    /// `200 {"received": true, "duplicate": true}`.
    pub fn duplicate() -> Self {
        Self::status(200)
            .field("received", true)
            .field("duplicate", true)
    }

    /// A refusal: this status and `{"error": …, "code": code}`.
    pub fn refused(status: u16, code: &'static str) -> Self {
        let e = Self::status(status).field("code", code);
        if status == 409 || status == 503 {
            e.retry_after(true)
        } else {
            e
        }
    }

    /// Requires a body field.
    pub fn field(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Requires a body field to be absent.
    pub fn without(mut self, name: &'static str) -> Self {
        self.absent.push(name);
        self
    }

    /// Requires `Retry-After` present or absent.
    pub fn retry_after(mut self, present: bool) -> Self {
        self.retry_after = Some(present);
        self
    }

    /// Accepts any body (not necessarily JSON).
    pub fn any_body(mut self) -> Self {
        self.json = false;
        self
    }

    /// Checks `reply`; `Err` says what differs.
    pub fn check(&self, reply: &Reply) -> Result<(), String> {
        let mut problems = Vec::new();
        if reply.status != self.status {
            problems.push(format!(
                "status {} (expected {})",
                reply.status, self.status
            ));
        }
        if self.json {
            let ct = reply.content_type.as_deref().unwrap_or("");
            if !ct.starts_with("application/json") {
                problems.push(format!("content-type {ct:?} (expected application/json)"));
            }
            let body = reply.json();
            if !body.is_object() && !body.is_array() {
                problems.push("the body is not JSON".to_owned());
            }
            for (name, value) in &self.fields {
                if &body[*name] != value {
                    problems.push(format!("`{name}` = {} (expected {value})", body[*name]));
                }
            }
            for name in &self.absent {
                if body.get(*name).is_some() {
                    problems.push(format!("`{name}` present (expected absent)"));
                }
            }
            if self.status >= 400 {
                if body["error"].as_str().is_none_or(str::is_empty) {
                    problems.push("a refusal without a non-empty `error` message".to_owned());
                }
                let code_ok = body["code"].as_str().is_some_and(|c| {
                    !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
                });
                if !code_ok {
                    problems.push("a refusal without a snake_case `code`".to_owned());
                }
            }
        }
        match (self.retry_after, &reply.retry_after) {
            (Some(true), None) => problems.push("no Retry-After (expected one)".to_owned()),
            (Some(true), Some(v)) if v.parse::<u32>().map_or(true, |s| s == 0) => problems.push(
                format!("Retry-After {v:?} is not a positive number of seconds"),
            ),
            (Some(false), Some(v)) => problems.push(format!("Retry-After {v:?} (expected none)")),
            _ => {}
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{}; body: {}", problems.join(", "), reply.text()))
        }
    }
}
