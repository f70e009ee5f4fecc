//! A small network of Linux network namespaces, so a test's sender, a
//! stranger and a proxy each have an address of their own (not loopback).
//!
//! [`Lab::create`] makes four namespaces joined by veth pairs, all inside the
//! namespaces (nothing is added to the machine's own network), and removes
//! them when dropped — also when the test fails:
//!
//! | link | one end | other end |
//! | --- | --- | --- |
//! | sender — receiver | [`SENDER`] `10.77.1.2` | [`RECEIVER_FOR_SENDER`] `10.77.1.1` |
//! | stranger — receiver | [`STRANGER`] `10.77.2.2` | [`RECEIVER_FOR_STRANGER`] `10.77.2.1` |
//! | proxy — receiver | [`PROXY`] `10.77.3.2` | [`RECEIVER_FOR_PROXY`] `10.77.3.1` |
//! | sender — proxy | [`SENDER_VIA_PROXY`] `10.77.4.1` | `10.77.4.2` ([`Lab::proxy_for`]) |
//! | stranger — proxy | [`STRANGER_VIA_PROXY`] `10.77.5.1` | `10.77.5.2` ([`Lab::proxy_for`]) |
//!
//! The receiver runs in its namespace through
//! [`ReceiverProcess::start_via`](crate::ReceiverProcess::start_via) with
//! [`Lab::exec_prefix`]; requests are sent with `curl` run inside the
//! sender's or the stranger's namespace ([`Lab::curl`]); [`Lab::start_proxy`]
//! runs a forwarding proxy in the proxy's namespace that appends the
//! connecting address to `X-Forwarded-For`, as nginx's
//! `$proxy_add_x_forwarded_for` does.
//!
//! Creating namespaces needs root (CAP_SYS_ADMIN) and `ip` (iproute2):
//! [`Lab::create_or_skip`] prints why and skips where they cannot be created,
//! except under `CI=true`, where it fails.

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::store::in_ci;

/// The sender's address on its link to the receiver.
pub const SENDER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 1, 2));
/// The receiver's address on its link to the sender.
pub const RECEIVER_FOR_SENDER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 1, 1));
/// The stranger's (an untrusted host's) address on its link to the receiver.
pub const STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 2, 2));
/// The receiver's address on its link to the stranger.
pub const RECEIVER_FOR_STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 2, 1));
/// The proxy's address on its link to the receiver (what the receiver sees).
pub const PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 3, 2));
/// The receiver's address on its link to the proxy.
pub const RECEIVER_FOR_PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 3, 1));
/// The sender's address on its link to the proxy (what the proxy appends).
pub const SENDER_VIA_PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 4, 1));
/// The stranger's address on its link to the proxy (what the proxy appends).
pub const STRANGER_VIA_PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 77, 5, 1));

/// A host of the lab, each in its own namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// Where the receiver runs.
    Receiver,
    /// The allowed sender.
    Sender,
    /// An untrusted host (refused, and its headers must not be believed).
    Stranger,
    /// The trusted proxy.
    Proxy,
}

impl Host {
    const ALL: [Host; 4] = [Host::Receiver, Host::Sender, Host::Stranger, Host::Proxy];

    fn suffix(self) -> &'static str {
        match self {
            Self::Receiver => "rcv",
            Self::Sender => "snd",
            Self::Stranger => "str",
            Self::Proxy => "prx",
        }
    }
}

/// One end of a link: the host, its interface name and its address (/24).
type End = (Host, &'static str, [u8; 4]);

/// Both ends of each link.
const LINKS: [(End, End); 5] = [
    (
        (Host::Sender, "to-rcv", [10, 77, 1, 2]),
        (Host::Receiver, "to-snd", [10, 77, 1, 1]),
    ),
    (
        (Host::Stranger, "to-rcv", [10, 77, 2, 2]),
        (Host::Receiver, "to-str", [10, 77, 2, 1]),
    ),
    (
        (Host::Proxy, "to-rcv", [10, 77, 3, 2]),
        (Host::Receiver, "to-prx", [10, 77, 3, 1]),
    ),
    (
        (Host::Sender, "to-prx", [10, 77, 4, 1]),
        (Host::Proxy, "to-snd", [10, 77, 4, 2]),
    ),
    (
        (Host::Stranger, "to-prx", [10, 77, 5, 1]),
        (Host::Proxy, "to-str", [10, 77, 5, 2]),
    ),
];

/// Namespace names start with this, then the creating process id.
const NAME_PREFIX: &str = "hgt";

/// Why the lab could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// Namespaces cannot be created here (no `ip`, or not root).
    #[error("network namespaces cannot be created here: {0}")]
    Unavailable(String),
    /// A setup command failed after namespaces could be created.
    #[error("`{command}` failed: {detail}")]
    Setup {
        /// The command.
        command: String,
        /// Its stderr or the spawn error.
        detail: String,
    },
}

/// The namespaces of one test. Removed when dropped.
#[derive(Debug)]
pub struct Lab {
    names: Vec<(Host, String)>,
}

fn run(args: &[&str]) -> Result<Output, LabError> {
    let command = format!("ip {}", args.join(" "));
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| LabError::Setup {
            command: command.clone(),
            detail: e.to_string(),
        })?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(LabError::Setup {
            command,
            detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Removes namespaces this harness made in runs whose process is gone (a run
/// killed before its clean-up); those of live processes are left alone.
fn remove_stale() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix(NAME_PREFIX)
            .and_then(|rest| rest.split('x').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

impl Lab {
    /// Creates the namespaces and links; names are unique per process and call.
    pub fn create() -> Result<Self, LabError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        remove_stale();
        let run_id = format!(
            "{NAME_PREFIX}{}x{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut lab = Self { names: Vec::new() };
        for host in Host::ALL {
            let name = format!("{run_id}{}", host.suffix());
            if let Err(e) = run(&["netns", "add", &name]) {
                return Err(match (lab.names.is_empty(), e) {
                    (true, LabError::Setup { detail, .. }) => LabError::Unavailable(detail),
                    (_, e) => e,
                });
            }
            lab.names.push((host, name));
        }
        for host in Host::ALL {
            run(&["-n", lab.ns(host), "link", "set", "lo", "up"])?;
        }
        for ((a, a_if, a_ip), (b, b_if, b_ip)) in LINKS {
            let (a_ns, b_ns) = (lab.ns(a).to_owned(), lab.ns(b).to_owned());
            run(&[
                "-n", &a_ns, "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns",
                &b_ns,
            ])?;
            for (ns, ifname, ip) in [(&a_ns, a_if, a_ip), (&b_ns, b_if, b_ip)] {
                let cidr = format!("{}/24", Ipv4Addr::from(ip));
                run(&["-n", ns, "addr", "add", &cidr, "dev", ifname])?;
                run(&["-n", ns, "link", "set", ifname, "up"])?;
            }
        }
        Ok(lab)
    }

    /// [`create`](Self::create), or `None` after printing why the test is
    /// skipped when namespaces cannot be created. Under `CI=true` that fails
    /// instead; any other setup error always fails.
    pub fn create_or_skip(test: &str) -> Option<Self> {
        match Self::create() {
            Ok(lab) => Some(lab),
            Err(LabError::Unavailable(why)) if !in_ci() => {
                eprintln!(
                    "SKIPPED {test}: network namespaces cannot be created here ({why}); \
                     run as root with iproute2 installed to run it (under CI=true this fails)"
                );
                None
            }
            Err(e) => panic!("{test}: {e}"),
        }
    }

    /// The namespace name of `host`.
    pub fn ns(&self, host: Host) -> &str {
        self.names
            .iter()
            .find(|(h, _)| *h == host)
            .map(|(_, n)| n.as_str())
            .expect("every host has a namespace")
    }

    /// `["ip", "netns", "exec", <namespace>]`: runs a command in `host`'s
    /// namespace (for [`ReceiverProcess::start_via`](crate::ReceiverProcess::start_via)).
    pub fn exec_prefix(&self, host: Host) -> [&str; 4] {
        ["ip", "netns", "exec", self.ns(host)]
    }

    /// The proxy's address on its link to `from` (sender or stranger).
    pub fn proxy_for(from: Host) -> IpAddr {
        match from {
            Host::Stranger => IpAddr::V4(Ipv4Addr::new(10, 77, 5, 2)),
            _ => IpAddr::V4(Ipv4Addr::new(10, 77, 4, 2)),
        }
    }

    /// Runs `curl` in `from`'s namespace: `method url`, with `headers` and
    /// `body`; returns the status and the response body.
    pub async fn curl(
        &self,
        from: Host,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<(u16, String), String> {
        let mut cmd = tokio::process::Command::new("ip");
        cmd.args(["netns", "exec", self.ns(from), "curl", "-sS"])
            .args(["--max-time", "20", "-o", "-", "-w", "\n%{http_code}"])
            .args(["-X", method]);
        for (name, value) in headers {
            cmd.arg("-H").arg(format!("{name}: {value}"));
        }
        if let Some(body) = body {
            cmd.args([
                "-H",
                "content-type: application/json",
                "--data-binary",
                body,
            ]);
        }
        cmd.arg(url).kill_on_drop(true);
        let out = cmd
            .output()
            .await
            .map_err(|e| format!("cannot run curl in {from:?}'s namespace: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        match code.trim().parse::<u16>() {
            Ok(code) if out.status.success() => Ok((code, body.to_owned())),
            _ => Err(format!(
                "curl {method} {url} from {from:?} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        }
    }

    /// Starts the forwarding proxy in the proxy's namespace: it listens on
    /// every proxy address, forwards each request to `upstream` and appends
    /// the connecting address to `X-Forwarded-For`. Stopped when dropped.
    pub fn start_proxy(&self, upstream: SocketAddr) -> Result<Proxy, LabError> {
        let path = format!("/var/run/netns/{}", self.ns(Host::Proxy));
        let ns = File::open(&path).map_err(|e| LabError::Setup {
            command: format!("open {path}"),
            detail: e.to_string(),
        })?;
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            // Only this thread enters the namespace; its sockets stay there.
            let entered = nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(|e| format!("setns: {e}"));
            let runtime = entered.and_then(|()| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("runtime: {e}"))
            });
            let runtime = match runtime {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = port_tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                let listener = match TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = port_tx.send(Err(format!("bind: {e}")));
                        return;
                    }
                };
                let port = listener.local_addr().map(|a| a.port());
                let _ = port_tx.send(port.map_err(|e| e.to_string()));
                let serve = async {
                    loop {
                        let Ok((conn, from)) = listener.accept().await else {
                            continue;
                        };
                        tokio::spawn(async move {
                            if let Err(e) = forward(conn, from.ip(), upstream).await {
                                eprintln!("netns proxy: {e}");
                            }
                        });
                    }
                };
                tokio::select! {
                    () = serve => {}
                    _ = stop_rx => {}
                }
            });
        });
        let port = port_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|e| e.to_string())
            .and_then(|r| r)
            .map_err(|detail| LabError::Setup {
                command: "start the proxy".to_owned(),
                detail,
            })?;
        Ok(Proxy {
            port,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for (_, name) in &self.names {
            if let Err(e) = run(&["netns", "del", name]) {
                eprintln!("netns clean-up: {e}");
            }
        }
    }
}

/// The running forwarding proxy.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// `http://<proxy address for from>:<port>`.
    pub fn url_for(&self, from: Host) -> String {
        format!("http://{}:{}", Lab::proxy_for(from), self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Longest request head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;

/// Forwards one request: its head rewritten (every `X-Forwarded-For` joined,
/// the connecting address appended; `Connection: close`), then the rest of
/// both directions copied as they are.
async fn forward(mut client: TcpStream, from: IpAddr, upstream: SocketAddr) -> Result<(), String> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err("request head too long".to_owned());
        }
        let mut chunk = [0u8; 4096];
        let n = client.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("client closed before the request head ended".to_owned());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "head is not UTF-8")?;
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let request_line = lines.next().ok_or("empty request head")?;
    let mut forwarded = Vec::new();
    let mut out = format!("{request_line}\r\n");
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("x-forwarded-for") {
            forwarded.push(value.trim().to_owned());
        } else if !name.eq_ignore_ascii_case("connection") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    forwarded.push(from.to_string());
    out.push_str(&format!(
        "X-Forwarded-For: {}\r\nConnection: close\r\n\r\n",
        forwarded.join(", ")
    ));
    let mut up = TcpStream::connect(upstream)
        .await
        .map_err(|e| format!("connect {upstream}: {e}"))?;
    up.write_all(out.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    up.write_all(&buf[head_end..])
        .await
        .map_err(|e| e.to_string())?;
    tokio::io::copy_bidirectional(&mut client, &mut up)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
