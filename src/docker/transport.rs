//! Remote engines, reached the way the docker CLI reaches them: `ssh://` through the local `ssh`
//! program running `docker system dial-stdio` on the host, `tcp://` with TLS through rustls. Both
//! sit behind bollard's custom transport, so the rest of cleanops sees one `Docker` handle.
//!
//! ssh: one `ssh` process per HTTP connection, the docker CLI's own design, and no master of our
//! own. A shared master (`ControlMaster`/`ControlPersist`) outlives the process that started it
//! when that process is killed, and its socket is easily lost, leaving an authenticated session
//! on the production host that nothing can close. Each of our processes instead:
//! - has its stdin on a pipe from cleanops, so when cleanops ends in any way (even `kill -9`)
//!   ssh reads EOF, the remote `dial-stdio` closes and ssh exits;
//! - is killed when its connection is dropped, and on Linux when cleanops dies (`PR_SET_PDEATHSIG`),
//!   which also covers an ssh still connecting;
//! - gets `-o ControlMaster=no`: it uses a master the user already runs for that host, and
//!   never starts one, whatever `~/.ssh/config` says;
//! - gets `-o BatchMode=yes`: no passphrase or host-key prompt from several processes at once.
//!
//! Connections are kept alive between calls, so a command that asks one thing at a time uses
//! one ssh session; checks that run at the same time each get their own.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::Exit;

/// `ssh://[user@]host[:port][/path]`, parsed as the docker CLI parses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshDestination {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// The engine's socket on the remote host, when the URL names one.
    pub socket: Option<String>,
}

impl SshDestination {
    pub fn parse(url: &str) -> Result<SshDestination, String> {
        let u = url::Url::parse(url).map_err(|e| format!("{url:?} is not an ssh:// URL: {e}"))?;
        if u.scheme() != "ssh" {
            return Err(format!("{url:?} is not an ssh:// URL"));
        }
        if u.password().is_some() {
            return Err(
                "a password in an ssh:// URL is not supported: use a key (ssh-agent) instead"
                    .into(),
            );
        }
        if u.query().is_some() || u.fragment().is_some() {
            return Err(format!("{url:?}: nothing may follow the host and path"));
        }
        let host = match u.host() {
            // ssh wants an IPv6 address without the URL's brackets.
            Some(url::Host::Ipv6(a)) => a.to_string(),
            Some(h) => h.to_string(),
            None => return Err(format!("{url:?} names no host")),
        };
        let user = Some(u.username())
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .map(|u| u.into_owned())
                    .map_err(|_| format!("{url:?}: the user name is not valid"))
            })
            .transpose()?;
        let socket = Some(u.path()).filter(|p| !p.is_empty() && *p != "/");
        Ok(SshDestination {
            user,
            host,
            port: u.port(),
            socket: socket.map(str::to_string),
        })
    }

    /// The arguments after `ssh`: what cleanops adds, then what the URL says, then the command.
    /// Nothing here weakens the user's configuration: host keys, identities, jump hosts and
    /// known_hosts files come from `~/.ssh/config` and the system's.
    pub fn args(&self, connect_timeout: Duration) -> Vec<String> {
        let mut args = vec![
            // A bound on connecting, as the docker CLI sets one (30 s there); ours is the
            // engine timeout, so a host that does not answer fails within the command's deadline.
            "-o".to_string(),
            format!("ConnectTimeout={}", connect_timeout.as_secs().max(1)),
            // Never start a master that would outlive this run (a running one is still used).
            "-o".to_string(),
            "ControlMaster=no".to_string(),
            // No prompts: several sessions may start at once, and a script has no one to
            // answer. Keys come from the agent or IdentityFile; an unknown host key is refused.
            "-o".to_string(),
            "BatchMode=yes".to_string(),
            // No terminal: the session carries the engine's bytes.
            "-T".to_string(),
        ];
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend(["--".to_string(), self.host.clone(), "docker".to_string()]);
        if let Some(socket) = &self.socket {
            args.push(format!("--host=unix://{socket}"));
        }
        args.extend(["system".to_string(), "dial-stdio".to_string()]);
        args
    }

    /// The plain ssh command that reaches the same host, for hints: `ssh -p 2222 ops@host`.
    pub fn command(&self) -> String {
        let mut s = "ssh ".to_string();
        if let Some(p) = self.port {
            s.push_str(&format!("-p {p} "));
        }
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        s.push_str(&self.host);
        s
    }

    /// `user@host:port`, for messages.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        s.push_str(&self.host);
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s
    }
}

/// A Docker handle whose every connection is an `ssh … docker system dial-stdio` process.
pub fn ssh(dest: SshDestination, timeout: Duration) -> Result<Docker, bollard::errors::Error> {
    let connector = SshConnector {
        dest: Arc::new(dest),
        connect_timeout: timeout,
    };
    custom(connector, "http://docker", timeout)
}

/// A Docker handle over TLS with this client configuration. Session resumption is off, as in
/// the docker CLI: terminators that verify client certificates (socat, some stunnel setups)
/// answer a resumption attempt with a fatal alert.
pub fn tls(
    host_port: &str,
    config: rustls::ClientConfig,
    timeout: Duration,
) -> Result<Docker, bollard::errors::Error> {
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(timeout));
    let https = hyper_rustls::HttpsConnector::from((http, config));
    custom(https, &format!("https://{host_port}"), timeout)
}

fn custom<C>(connector: C, base: &str, timeout: Duration) -> Result<Docker, bollard::errors::Error>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let client = Client::builder(TokioExecutor::new()).build(connector);
    Docker::connect_with_custom_transport(
        move |req: bollard::BollardRequest| {
            let client = client.clone();
            async move {
                client
                    .request(req)
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        Some(base),
        timeout.as_secs().max(1),
        API_DEFAULT_VERSION,
    )
}

#[derive(Clone)]
struct SshConnector {
    dest: Arc<SshDestination>,
    connect_timeout: Duration,
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let args = self.dest.args(self.connect_timeout);
        Box::pin(async move { SshStream::spawn(&args) })
    }
}

/// How the ssh process ended, with what it said: the classifier in `engine.rs` reads this.
#[derive(Debug)]
pub struct SshFailure {
    pub code: Option<i32>,
    pub stderr: String,
}

impl std::fmt::Display for SshFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let said = self
            .stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
            .collect::<Vec<_>>()
            .join("; ");
        match (self.code, said.is_empty()) {
            (Some(c), true) => write!(f, "ssh exited {c}"),
            (Some(c), false) => write!(f, "ssh exited {c}: {said}"),
            (None, true) => write!(f, "ssh was killed by a signal"),
            (None, false) => write!(f, "ssh was killed by a signal: {said}"),
        }
    }
}

impl std::error::Error for SshFailure {}

impl SshFailure {
    /// The exit code and the hint for this failure, from what ssh said: each names the ssh
    /// cause, never the local daemon's.
    pub fn explain(&self, dest: &SshDestination) -> (Exit, String) {
        let ssh = dest.command();
        let dest = dest.display();
        let said = self.stderr.to_ascii_lowercase();
        let has = |needle: &str| said.contains(needle);
        if self.code == Some(127) && has("no ssh program") {
            return (
                Exit::Unreachable,
                "install the OpenSSH client (ssh) on this machine, or reach the engine another way (--docker-host)".into(),
            );
        }
        if has("host key verification failed")
            || has("host identification has changed")
            || has("host key is known")
            || has("no matching host key")
        {
            return (
                Exit::Unreachable,
                format!(
                    "{dest}'s host key is unknown or changed, and your ssh configuration refuses it: check the key, then accept it with a plain `{ssh}` (cleanops never accepts host keys for you)"
                ),
            );
        }
        if has("permission denied (") || has("too many authentication failures") {
            return (
                Exit::Auth,
                format!(
                    "ssh refused the login to {dest}: check the user (user@ in the URL, or User in ~/.ssh/config) and that your key is offered without a prompt (`ssh-add -l`, IdentityFile)"
                ),
            );
        }
        if has("connection refused") {
            return (
                Exit::Unreachable,
                format!(
                    "nothing accepts ssh connections at {dest}: is sshd running there, and is the port right (ssh://host:PORT, or Port in ~/.ssh/config)?"
                ),
            );
        }
        if has("timed out") || has("no route to host") || has("network is unreachable") {
            return (
                Exit::Unreachable,
                format!(
                    "no ssh answer from {dest} in time: the host is down, or a firewall or VPN stands between"
                ),
            );
        }
        if has("could not resolve hostname") || has("name or service not known") {
            return (
                Exit::Unreachable,
                format!(
                    "the name in {dest} does not resolve: check the spelling, your DNS or VPN, or the Host entry in ~/.ssh/config"
                ),
            );
        }
        if self.code == Some(127) || has("docker: command not found") || has("docker: not found") {
            return (
                Exit::Unreachable,
                format!(
                    "ssh logged in to {dest}, but there is no `docker` command on that user's PATH: install the docker CLI there, or log in as a user who has it"
                ),
            );
        }
        if has("permission denied while trying to connect to the docker") {
            return (
                Exit::Unreachable,
                format!(
                    "ssh logged in to {dest}, but that user may not use the engine's socket there: add it to the docker group on that host"
                ),
            );
        }
        if has("cannot connect to the docker daemon")
            || has("is the docker daemon running")
            || has("failed to open the raw stream connection")
        {
            return (
                Exit::Unreachable,
                format!(
                    "ssh logged in to {dest}, but the Docker daemon there does not answer on its socket: `systemctl status docker` on that host, and the socket path if the URL names one"
                ),
            );
        }
        (
            Exit::Unreachable,
            format!("ssh to {dest} failed: try `{ssh} docker version` by hand to see why"),
        )
    }
}

/// A TLS failure in plain words, with the files it concerns.
pub fn explain_tls(e: &rustls::Error, cert_dir: &std::path::Path) -> (Exit, String) {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let dir = cert_dir.display();
    match e {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => (
            Exit::Unreachable,
            format!("the engine's certificate is not signed by the CA in {dir}/ca.pem: point DOCKER_CERT_PATH at the files made for this engine"),
        ),
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => (
            Exit::Unreachable,
            "the engine's certificate does not name the host you connected to: use the name (or address) it was issued for".into(),
        ),
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => (
            Exit::Unreachable,
            "the engine's certificate has expired".into(),
        ),
        E::AlertReceived(A::CertificateRequired | A::HandshakeFailure)
            if !cert_dir.join("cert.pem").exists() =>
        {
            (
                Exit::Auth,
                format!("the engine wants a client certificate and there is none: put cert.pem and key.pem in {dir} (DOCKER_CERT_PATH)"),
            )
        }
        E::AlertReceived(
            A::CertificateRequired
            | A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::HandshakeFailure
            | A::DecryptError
            | A::AccessDenied,
        ) => (
            Exit::Auth,
            format!("the engine refused this client certificate ({dir}/cert.pem): it is not signed by a CA the engine trusts"),
        ),
        E::InvalidMessage(_) => (
            Exit::Unreachable,
            "the engine answered without TLS: this port speaks plain HTTP (unset DOCKER_TLS_VERIFY, or use the TLS port, usually 2376)".into(),
        ),
        _ => (
            Exit::Unreachable,
            format!("TLS to the engine failed; compare with `docker --tlsverify --tlscacert {dir}/ca.pem --tlscert {dir}/cert.pem --tlskey {dir}/key.pem version`"),
        ),
    }
}

/// What ssh writes on stderr is kept up to this size (its messages are a few lines).
const STDERR_KEEP: usize = 8 * 1024;

/// One HTTP connection: the ssh process's stdout to read, its stdin to write.
struct SshStream {
    stdin: Option<TokioIo<ChildStdin>>,
    stdout: ChildStdout,
    /// Any byte read: an EOF after that is the engine closing a connection, not ssh failing.
    answered: bool,
    /// The ssh process's exit status, from the task that owns it.
    exited: oneshot::Receiver<Option<i32>>,
    stderr: Option<JoinHandle<String>>,
    /// Dropped with the stream: the owning task then kills the process.
    _kill: oneshot::Sender<()>,
    /// Set once ssh is known to have ended before the engine answered.
    failed: Option<Option<i32>>,
}

impl SshStream {
    fn spawn(args: &[String]) -> io::Result<SshStream> {
        let mut cmd = tokio::process::Command::new("ssh");
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        die_with_parent(&mut cmd);
        let mut child: Child = cmd.spawn().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                io::Error::new(
                    e.kind(),
                    SshFailure {
                        code: Some(127),
                        stderr: "no ssh program on this machine's PATH".into(),
                    },
                )
            } else {
                e
            }
        })?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let stderr = tokio::spawn(async move {
            let mut kept = Vec::new();
            let mut buf = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let room = STDERR_KEEP.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            String::from_utf8_lossy(&kept).into_owned()
        });
        let (exited_tx, exited) = oneshot::channel();
        let (kill, killed) = oneshot::channel::<()>();
        tokio::spawn(async move {
            tokio::select! {
                status = child.wait() => {
                    let _ = exited_tx.send(status.ok().and_then(|s| s.code()));
                }
                // The stream is gone (its sender dropped): end the process now.
                _ = killed => {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                }
            }
        });
        Ok(SshStream {
            stdin: Some(TokioIo::new(stdin)),
            stdout,
            answered: false,
            exited,
            stderr: Some(stderr),
            _kill: kill,
            failed: None,
        })
    }

    /// ssh ended before the engine said anything: wait for its status and stderr, and make them
    /// the connection's error.
    fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.failed.is_none() {
            let code = ready!(Pin::new(&mut self.exited).poll(cx)).unwrap_or(None);
            self.failed = Some(code);
        }
        let stderr = match self.stderr.as_mut() {
            Some(h) => ready!(Pin::new(h).poll(cx)).unwrap_or_default(),
            None => String::new(),
        };
        self.stderr = None;
        Poll::Ready(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            SshFailure {
                code: self.failed.flatten(),
                stderr,
            },
        ))
    }
}

/// Linux: the kernel sends SIGTERM to the ssh process when cleanops dies, however it dies. The
/// runtime is current-thread (src/lib.rs), so the thread that spawns ssh lives as long as the
/// process, which is what the signal is tied to.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut tokio::process::Command) {
    // SAFETY: prctl is async-signal-safe, touches no memory of the parent, and is the only
    // call made between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut tokio::process::Command) {}

impl hyper::rt::Read for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.failed.is_some() {
            return Poll::Ready(Err(ready!(this.poll_failure(cx))));
        }
        // Through a small buffer of our own: filling hyper's cursor in place needs unsafe.
        let mut chunk = [0u8; 16 * 1024];
        let room = buf.remaining().min(chunk.len());
        let mut read_buf = tokio::io::ReadBuf::new(&mut chunk[..room]);
        ready!(Pin::new(&mut this.stdout).poll_read(cx, &mut read_buf))?;
        let read = read_buf.filled().len();
        if read > 0 {
            buf.put_slice(read_buf.filled());
            this.answered = true;
        } else if !this.answered {
            return Poll::Ready(Err(ready!(this.poll_failure(cx))));
        }
        Poll::Ready(Ok(()))
    }
}

impl SshStream {
    fn stdin(&mut self) -> io::Result<Pin<&mut TokioIo<ChildStdin>>> {
        self.stdin
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::ErrorKind::BrokenPipe.into())
    }

    /// A write that fails before any answer means ssh is gone: report why it went.
    fn write_result<T>(&mut self, cx: &mut Context<'_>, r: io::Result<T>) -> Poll<io::Result<T>> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe && !self.answered => {
                Poll::Ready(Err(ready!(self.poll_failure(cx))))
            }
            r => Poll::Ready(r),
        }
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = ready!(this.stdin()?.poll_write(cx, buf));
        this.write_result(cx, r)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = ready!(this.stdin()?.poll_flush(cx));
        this.write_result(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.stdin()?.poll_shutdown(cx))?;
        // Closing stdin is how the remote dial-stdio learns the request side is done.
        this.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_urls_parse_as_the_docker_cli_parses_them() {
        let d = SshDestination::parse("ssh://root@127.0.0.1:2222").unwrap();
        assert_eq!(d.user.as_deref(), Some("root"));
        assert_eq!(d.host, "127.0.0.1");
        assert_eq!(d.port, Some(2222));
        assert_eq!(d.socket, None);
        assert_eq!(d.display(), "root@127.0.0.1:2222");

        // The URL's encoding of the user name is undone, as ssh wants the name itself.
        let d = SshDestination::parse("ssh://op%73@host").unwrap();
        assert_eq!(d.user.as_deref(), Some("ops"));

        let d = SshDestination::parse("ssh://opshost:2222").unwrap();
        assert_eq!(
            (d.user, d.host.as_str(), d.port),
            (None, "opshost", Some(2222))
        );

        let d = SshDestination::parse("ssh://ops@[::1]:22/run/user/1000/docker.sock").unwrap();
        assert_eq!(d.host, "::1");
        assert_eq!(d.socket.as_deref(), Some("/run/user/1000/docker.sock"));
        let args = d.args(Duration::from_secs(10));
        assert!(args.contains(&"--host=unix:///run/user/1000/docker.sock".to_string()));

        // An alias from ~/.ssh/config: no -l, no -p, so User and Port come from the config.
        let args = SshDestination::parse("ssh://prod")
            .unwrap()
            .args(Duration::from_secs(5));
        assert_eq!(
            args,
            [
                "-o",
                "ConnectTimeout=5",
                "-o",
                "ControlMaster=no",
                "-o",
                "BatchMode=yes",
                "-T",
                "--",
                "prod",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
        // Nothing that weakens host-key checking.
        assert!(!args.iter().any(|a| a.contains("StrictHostKeyChecking")));

        for bad in [
            "ssh://",
            "ssh://user:secret@host",
            "ssh://host?x=1",
            "ssh://host#frag",
            "tcp://host:22",
            "ssh://host:99999",
        ] {
            assert!(SshDestination::parse(bad).is_err(), "{bad} parsed");
        }
        // A host name cannot smuggle an option to ssh: it always follows `--`.
        let args = SshDestination::parse("ssh://-oProxyCommand=x")
            .map(|d| d.args(Duration::from_secs(1)))
            .unwrap_or_default();
        if let Some(i) = args.iter().position(|a| a == "--") {
            assert!(!args[..i].iter().any(|a| a.contains("ProxyCommand")));
        }
    }

    #[test]
    fn ssh_failures_say_what_ssh_said() {
        let f = SshFailure {
            code: Some(255),
            stderr: "Warning: Permanently added 'x' (ED25519) to the list of known hosts.\r\nroot@127.0.0.1: Permission denied (publickey).\n".into(),
        };
        assert_eq!(
            f.to_string(),
            "ssh exited 255: root@127.0.0.1: Permission denied (publickey)."
        );
    }
}
