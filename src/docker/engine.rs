//! Reaching the Docker Engine: which host (flag, `DOCKER_HOST`, contexts as the docker CLI
//! resolves them), the first call that proves it answers, and errors that name the host tried.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use bollard::{API_DEFAULT_VERSION, Docker};

use crate::config::Settings;
use crate::docker::transport::{self, SshDestination, SshFailure};
use crate::error::{Exit, Failure};

pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";
/// Engine calls that answer at once (list, inspect) get this, unless the command says otherwise.
pub const DEFAULT_ENGINE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the engine is and how it was chosen.
#[derive(Clone, Debug)]
pub struct EngineTarget {
    pub host: String,
    /// "flag --docker-host", "env DOCKER_HOST", "context prod (~/.docker/...)", "default".
    pub source: String,
    /// TLS material (`DOCKER_CERT_PATH` or the context's), when the host wants TLS.
    pub tls_dir: Option<PathBuf>,
    /// The docker context that chose this host, if one did.
    pub context: Option<String>,
}

impl EngineTarget {
    /// How every output names this engine (screen, JSON, Markdown, audit): the endpoint, and
    /// the context when a context chose it.
    pub fn label(&self) -> String {
        match &self.context {
            Some(c) => format!("{} (context {c})", self.host),
            None => self.host.clone(),
        }
    }
}

/// The engine this configuration points at, named as [`EngineTarget::label`] names it, without
/// connecting; or why it cannot be resolved.
pub fn label(settings: &Settings) -> String {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match resolve_target(settings, &env) {
        Ok(t) => t.label(),
        Err(e) => format!("unresolved ({e:#})"),
    }
}

/// `$DOCKER_CONFIG` or `~/.docker`.
fn docker_config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")))
}

fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Resolve the engine the way the docker CLI does: an explicit host (flag, `DOCKER_HOST`,
/// profile), else `DOCKER_CONTEXT`, else the CLI config's `currentContext`, else the local socket.
/// Contexts live in `$DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json`.
pub fn resolve_target(
    settings: &Settings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<EngineTarget> {
    let tls_from_env = || {
        env("DOCKER_TLS_VERIFY")
            .filter(|v| !v.is_empty() && v != "0")
            .map(|_| {
                env("DOCKER_CERT_PATH")
                    .map(PathBuf::from)
                    .or_else(|| docker_config_dir(env))
                    .unwrap_or_default()
            })
    };
    if let Some(h) = &settings.docker_host {
        return Ok(EngineTarget {
            host: h.value.clone(),
            source: h.source.to_string(),
            tls_dir: tls_from_env(),
            context: None,
        });
    }
    let config_dir = docker_config_dir(env);
    let (context, context_source) = match env("DOCKER_CONTEXT") {
        Some(c) => (Some(c), "env DOCKER_CONTEXT".to_string()),
        None => {
            let current = config_dir.as_ref().and_then(|d| {
                let text = crate::files::read_text(&d.join("config.json")).ok()?;
                let v: serde_json::Value = serde_json::from_str(&text).ok()?;
                v.get("currentContext")?.as_str().map(str::to_string)
            });
            (
                current,
                "currentContext of the docker CLI config".to_string(),
            )
        }
    };
    let Some(context) = context.filter(|c| !c.is_empty() && c != "default") else {
        return Ok(EngineTarget {
            host: DEFAULT_SOCKET.into(),
            source: "default".into(),
            tls_dir: None,
            context: None,
        });
    };
    let dir = config_dir.unwrap_or_default();
    let id = sha256_hex(&context);
    let meta_path = dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = crate::files::read_text(&meta_path).map_err(|e| {
        Failure::usage(format!(
            "docker context {context:?} ({context_source}) cannot be read at {}: {e}",
            meta_path.display()
        ))
        .hint("list the contexts with `docker context ls`, or pass --docker-host")
    })?;
    let meta: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{}: not a docker context ({e})",
            meta_path.display()
        ))
    })?;
    let endpoint = &meta["Endpoints"]["docker"];
    let host = endpoint["Host"].as_str().ok_or_else(|| {
        Failure::usage(format!(
            "docker context {context:?} has no docker endpoint ({})",
            meta_path.display()
        ))
    })?;
    let tls = dir.join("contexts").join("tls").join(&id).join("docker");
    Ok(EngineTarget {
        host: host.to_string(),
        source: format!("context {context} ({context_source})"),
        tls_dir: tls.join("ca.pem").exists().then_some(tls),
        context: Some(context),
    })
}

/// TLS to the engine as the docker CLI sets it up: `ca.pem` is the only trust root, `cert.pem`
/// and `key.pem` are the client's certificate when both are there, and sessions are not resumed
/// (src/docker/transport.rs says why).
fn tls_config(dir: &Path, target: &EngineTarget) -> Result<rustls::ClientConfig, Failure> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let unusable = |file: &str, why: String| {
        Failure::usage(format!(
            "TLS for the Docker engine at {} ({}): {}: {why}",
            target.host,
            target.source,
            dir.join(file).display()
        ))
        .hint("DOCKER_CERT_PATH (or the context's TLS folder) holds ca.pem, cert.pem and key.pem")
    };
    let read =
        |file: &str| crate::files::read(&dir.join(file)).map_err(|e| unusable(file, e.to_string()));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&read("ca.pem")?) {
        let cert = cert.map_err(|e| unusable("ca.pem", format!("not a PEM certificate ({e})")))?;
        roots
            .add(cert)
            .map_err(|e| unusable("ca.pem", e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(unusable("ca.pem", "no certificate in it".into()));
    }
    crate::tls::install_crypto_provider();
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    let has = |f: &str| dir.join(f).exists();
    let mut config = match (has("cert.pem"), has("key.pem")) {
        (false, false) => builder.with_no_client_auth(),
        (true, true) => {
            let certs = CertificateDer::pem_slice_iter(&read("cert.pem")?)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unusable("cert.pem", format!("not a PEM certificate ({e})")))?;
            let key = PrivateKeyDer::from_pem_slice(&read("key.pem")?)
                .map_err(|e| unusable("key.pem", format!("not a PEM private key ({e})")))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| unusable("key.pem", e.to_string()))?
        }
        (true, false) => return Err(unusable("key.pem", "missing beside cert.pem".into())),
        (false, true) => return Err(unusable("cert.pem", "missing beside key.pem".into())),
    };
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// A connected engine, with the host it is (for every message) and a timeout for quick calls.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    pub target: EngineTarget,
    pub server_version: String,
    pub timeout: Duration,
}

impl Engine {
    /// Connect and prove it: the version call (which also settles the API version: engines older
    /// than this client's API refuse newer requests) must answer within `timeout`.
    pub async fn connect(settings: &Settings, timeout: Duration) -> Result<Engine> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let target = resolve_target(settings, &env)?;
        crate::tls::install_crypto_provider();
        let secs = timeout.as_secs().max(1);
        let host = target.host.as_str();
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            Docker::connect_with_unix(path, secs, API_DEFAULT_VERSION)
        } else if host.starts_with("tcp://")
            || host.starts_with("http://")
            || host.starts_with("https://")
        {
            match &target.tls_dir {
                Some(dir) => {
                    let config = tls_config(dir, &target)?;
                    let host_port = host.split_once("://").map_or(host, |(_, rest)| rest);
                    transport::tls(host_port.trim_end_matches('/'), config, timeout)
                }
                None => Docker::connect_with_http(host, secs, API_DEFAULT_VERSION),
            }
        } else if host.starts_with("ssh://") {
            let dest = SshDestination::parse(host).map_err(|e| {
                Failure::usage(format!("Docker host {host:?} ({}): {e}", target.source))
                    .hint("the form is ssh://[user@]host[:port], as for the docker CLI")
            })?;
            transport::ssh(dest, timeout)
        } else {
            return Err(Failure::usage(format!(
                "Docker host {host:?} ({}) is not unix://, tcp:// or ssh://",
                target.source
            ))
            .into());
        }
        .map_err(|e| engine_error(&target, "connect", e))?;
        let docker = match tokio::time::timeout(timeout, docker.negotiate_version()).await {
            Err(_) | Ok(Err(bollard::errors::Error::RequestTimeoutError)) => {
                return Err(timed_out(&target, "connect", timeout).into());
            }
            Ok(Err(e)) => return Err(engine_error(&target, "connect", e).into()),
            Ok(Ok(d)) => d,
        };
        let server_version = match tokio::time::timeout(timeout, docker.version()).await {
            Ok(Ok(v)) => v.version.unwrap_or_else(|| "?".into()),
            _ => "?".into(),
        };
        Ok(Engine {
            docker,
            target,
            server_version,
            timeout,
        })
    }

    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The engine with another per-call timeout (a restart must wait longer than its stop grace).
    pub fn with_timeout(&self, timeout: Duration) -> Engine {
        Engine {
            docker: self.docker.clone().with_timeout(timeout),
            timeout,
            ..self.clone()
        }
    }

    /// Run one engine call bounded by the timeout, its error named after `what` and the host.
    pub async fn call<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.timeout + Duration::from_millis(500), fut).await {
            Err(_) | Ok(Err(bollard::errors::Error::RequestTimeoutError)) => {
                Err(timed_out(&self.target, what, self.timeout).into())
            }
            Ok(Err(e)) => Err(engine_error(&self.target, what, e).into()),
            Ok(Ok(v)) => Ok(v),
        }
    }
}

const NO_SOCKET_HINT: &str = "no socket there: is Docker installed and running on this host? (or set DOCKER_HOST / --docker-host, e.g. ssh://user@host)";

/// The engine answered 404: no such container (or exec), e.g. removed between a list and an
/// inspect.
pub fn is_not_found(e: &anyhow::Error) -> bool {
    crate::error::kind_of(e) == crate::error::Kind::Status(404)
}

/// An error of type `T` wrapped in `io` (connectors wrap io errors in io errors, and an io
/// error's `source()` skips the error it wraps).
fn inside<T: std::error::Error + 'static>(io: &std::io::Error) -> Option<&T> {
    let mut current: &(dyn std::error::Error + 'static) = io.get_ref()?;
    for _ in 0..16 {
        if let Some(t) = current.downcast_ref::<T>() {
            return Some(t);
        }
        current = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref()?,
            None => current.source()?,
        };
    }
    None
}

/// No answer in time, with what that usually means on this kind of connection.
fn timed_out(target: &EngineTarget, what: &str, timeout: Duration) -> Failure {
    let f = unreachable_engine(
        target,
        &format!(
            "{what}: no answer within {}",
            crate::clock::human(timeout.as_secs_f64())
        ),
    );
    let host = target.host.as_str();
    match SshDestination::parse(host) {
        Ok(dest) => f.hint(format!(
            "no answer over ssh from {} in time: the host is down, a firewall or VPN stands between, or the login is slow (see what `{} docker version` does, with -v)",
            dest.display(),
            dest.command()
        )),
        Err(_) if host.starts_with("unix://") => f.hint(
            "the local engine accepts connections but does not answer: is dockerd hung? (`systemctl status docker`, `journalctl -u docker`)",
        ),
        Err(_) => f.hint(format!(
            "no answer from {host} in time: the host is down, or a firewall drops the port"
        )),
    }
}

fn unreachable_engine(target: &EngineTarget, why: &str) -> Failure {
    Failure::new(
        Exit::Unreachable,
        format!(
            "cannot reach the Docker engine at {} ({}): {why}",
            target.host, target.source
        ),
    )
}

/// Errors from bollard, said for an engineer: which host, and what to do.
pub fn engine_error(target: &EngineTarget, what: &str, e: bollard::errors::Error) -> Failure {
    use bollard::errors::Error as E;
    if let E::DockerResponseServerError {
        status_code,
        message,
    } = &e
    {
        let mut f = Failure::new(
            if *status_code == 404 {
                Exit::Unhealthy
            } else {
                Exit::Unexpected
            },
            format!(
                "{what}: the Docker engine at {} answered {status_code}: {message}",
                target.host
            ),
        );
        f.kind = crate::error::Kind::Status(*status_code);
        return f;
    }
    if let E::SocketNotFoundError(path) = &e {
        return unreachable_engine(target, &format!("{what}: no socket at {path}"))
            .hint(NO_SOCKET_HINT);
    }
    // What lies underneath: the OS error (missing or closed socket), what ssh said when it
    // ended, a TLS alert or refusal, or bytes that are not HTTP.
    let mut io_kind = None;
    let mut ssh: Option<&SshFailure> = None;
    let mut tls: Option<&rustls::Error> = None;
    let mut not_http = false;
    let mut src: Option<&dyn std::error::Error> = Some(&e);
    let mut last = e.to_string();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
            ssh = ssh.or(inside::<SshFailure>(io));
            tls = tls.or(inside::<rustls::Error>(io));
        }
        tls = tls.or(s.downcast_ref::<rustls::Error>());
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            not_http |= h.is_parse() || h.is_incomplete_message();
        }
        last = s.to_string();
        src = s.source();
    }
    let mut f = unreachable_engine(target, &format!("{what}: {last}"));
    let host = target.host.as_str();
    if let Some(failure) = ssh {
        let dest = SshDestination::parse(host).unwrap_or_else(|_| SshDestination {
            user: None,
            host: host.to_string(),
            port: None,
            socket: None,
        });
        let (exit, hint) = failure.explain(&dest);
        f.exit = exit;
        return f.hint(hint);
    }
    if let (Some(t), Some(dir)) = (tls, &target.tls_dir) {
        let (exit, hint) = transport::explain_tls(t, dir);
        f.exit = exit;
        return f.hint(hint);
    }
    if host.starts_with("tcp://") || host.starts_with("http://") {
        let plain = target.tls_dir.is_none();
        return match io_kind {
            Some(std::io::ErrorKind::ConnectionRefused) => {
                f.hint(format!("nothing listens at {host}: is the engine's TCP port open there?"))
            }
            _ if plain && (not_http || io_kind == Some(std::io::ErrorKind::ConnectionReset)) => f.hint(
                "the engine's port did not answer in HTTP: it may want TLS (set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem, key.pem)",
            ),
            _ => f,
        };
    }
    if host.starts_with("unix://") {
        match io_kind {
            Some(std::io::ErrorKind::NotFound) => f = f.hint(NO_SOCKET_HINT),
            Some(std::io::ErrorKind::PermissionDenied) => {
                f = f.hint("permission denied on the socket: add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run with sudo")
            }
            Some(std::io::ErrorKind::ConnectionRefused) => {
                f = f.hint("nothing listens there: is the Docker daemon running? (`systemctl status docker`)")
            }
            _ => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, Settings};
    use std::collections::HashMap;

    fn settings(docker_host: Option<&str>) -> Settings {
        let o = Overrides {
            docker_host: docker_host.map(str::to_string),
            project_dir: Some("/nonexistent/cleaning".into()),
            ..Default::default()
        };
        Settings::resolve_with(&o, &|_| None).unwrap()
    }

    #[test]
    fn contexts_resolve_like_the_docker_cli() {
        let dir = tempfile::tempdir().unwrap();
        let id = sha256_hex("prod");
        let meta = dir.path().join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"prod","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://ops@prod.example","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"prod"}"#,
        )
        .unwrap();
        let vars: HashMap<&str, String> =
            [("DOCKER_CONFIG", dir.path().display().to_string())].into();
        let env = |k: &str| vars.get(k).cloned();
        let t = resolve_target(&settings(None), &env).unwrap();
        assert_eq!(t.host, "ssh://ops@prod.example");
        assert!(t.source.contains("context prod"));
        // An explicit host wins over the context.
        let t = resolve_target(&settings(Some("tcp://10.0.0.1:2375")), &env).unwrap();
        assert_eq!(t.host, "tcp://10.0.0.1:2375");
        // DOCKER_CONTEXT wins over the config file; "default" is the local socket.
        let vars2: HashMap<&str, String> = [
            ("DOCKER_CONFIG", dir.path().display().to_string()),
            ("DOCKER_CONTEXT", "default".to_string()),
        ]
        .into();
        let t = resolve_target(&settings(None), &|k| vars2.get(k).cloned()).unwrap();
        assert_eq!(t.host, DEFAULT_SOCKET);
        // A context that does not exist is a usage error naming it.
        let vars3: HashMap<&str, String> = [
            ("DOCKER_CONFIG", dir.path().display().to_string()),
            ("DOCKER_CONTEXT", "staging".to_string()),
        ]
        .into();
        let err = resolve_target(&settings(None), &|k| vars3.get(k).cloned()).unwrap_err();
        assert!(format!("{err:#}").contains("\"staging\""));
    }
}
