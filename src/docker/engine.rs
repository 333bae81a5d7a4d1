//! Reaching the Docker Engine: which host (flag, `DOCKER_HOST`, contexts as the docker CLI
//! resolves them), the first call that proves it answers, and errors that name the host tried.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use bollard::{API_DEFAULT_VERSION, Docker};

use crate::config::Settings;
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
    })
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
                Some(dir) => Docker::connect_with_ssl(
                    host,
                    &dir.join("key.pem"),
                    &dir.join("cert.pem"),
                    &dir.join("ca.pem"),
                    secs,
                    API_DEFAULT_VERSION,
                ),
                None => Docker::connect_with_http(host, secs, API_DEFAULT_VERSION),
            }
        } else if host.starts_with("ssh://") {
            Docker::connect_with_ssh(host, secs, API_DEFAULT_VERSION, None)
        } else {
            return Err(Failure::usage(format!(
                "Docker host {host:?} ({}) is not unix://, tcp:// or ssh://",
                target.source
            ))
            .into());
        }
        .map_err(|e| engine_error(&target, "connect", e))?;
        let docker = match tokio::time::timeout(timeout, docker.negotiate_version()).await {
            Err(_) => {
                return Err(unreachable_engine(
                    &target,
                    &format!(
                        "no answer within {}",
                        crate::clock::human(timeout.as_secs_f64())
                    ),
                )
                .into());
            }
            Ok(Err(bollard::errors::Error::RequestTimeoutError)) => {
                return Err(unreachable_engine(
                    &target,
                    &format!(
                        "no answer within {}",
                        crate::clock::human(timeout.as_secs_f64())
                    ),
                )
                .into());
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
            Err(_) => Err(Failure::new(
                Exit::Unreachable,
                format!(
                    "{what}: the Docker engine at {} did not answer within {}",
                    self.target.host,
                    crate::clock::human(self.timeout.as_secs_f64())
                ),
            )
            .into()),
            Ok(Err(bollard::errors::Error::RequestTimeoutError)) => Err(unreachable_engine(
                &self.target,
                &format!(
                    "{what}: no answer within {}",
                    crate::clock::human(self.timeout.as_secs_f64())
                ),
            )
            .into()),
            Ok(Err(e)) => Err(engine_error(&self.target, what, e).into()),
            Ok(Ok(v)) => Ok(v),
        }
    }
}

const NO_SOCKET_HINT: &str = "no socket there: is Docker installed and running on this host? (or set DOCKER_HOST / --docker-host, e.g. ssh://user@host)";

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
        f.http_status = Some(*status_code);
        return f;
    }
    if let E::SocketNotFoundError(path) = &e {
        return unreachable_engine(target, &format!("{what}: no socket at {path}"))
            .hint(NO_SOCKET_HINT);
    }
    if matches!(e, E::RequestTimeoutError) {
        return unreachable_engine(target, &format!("{what}: no answer in time"));
    }
    // Find the OS error underneath, if any: it says whether the socket is missing or closed to us.
    let mut io_kind = None;
    let mut src: Option<&dyn std::error::Error> = Some(&e);
    let mut last = e.to_string();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        last = s.to_string();
        src = s.source();
    }
    let mut f = unreachable_engine(target, &format!("{what}: {last}"));
    match io_kind {
        Some(std::io::ErrorKind::NotFound) => {
            f = f.hint(NO_SOCKET_HINT)
        }
        Some(std::io::ErrorKind::PermissionDenied) => {
            f = f.hint("permission denied on the socket: add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run with sudo")
        }
        Some(std::io::ErrorKind::ConnectionRefused) => {
            f = f.hint("nothing listens there: is the Docker daemon running? (`systemctl status docker`)")
        }
        _ => {}
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
