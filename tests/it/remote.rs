//! Remote engines against real servers on loopback (docs/configuration.md, "Remote engines"):
//! an sshd (Debian's openssh-server) whose sessions run this machine's `docker system
//! dial-stdio`, a TLS terminator (socat) that verifies client certificates in front of the
//! engine's socket, and docker contexts in a temporary `DOCKER_CONFIG`. The ssh client is the
//! system's, given a configuration of the test's own through a wrapper first on PATH; every
//! ssh process cleanops starts carries that wrapper's path, which is how the tests find the
//! ones left behind.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::stack::{Stack, docker_or_skip};
use crate::{Run, run_env_live};

const SSHD: &str = "/usr/sbin/sshd";

/// sshd and socat are installed by `.ci/run`; elsewhere their absence skips, as Docker's does.
fn servers_or_skip() -> bool {
    if !docker_or_skip() {
        return false;
    }
    let missing: Vec<&str> = [(SSHD, "openssh-server"), ("/usr/bin/socat", "socat")]
        .into_iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CLEANOPS_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("CLEANOPS_REQUIRE_DOCKER=1 but {missing:?} is not installed");
    }
    eprintln!("skipping a remote-engine test: {missing:?} is not installed");
    false
}

/// The engine's socket on this machine, which the ssh sessions reach.
fn engine_socket() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
        .unwrap_or_else(|| "/var/run/docker.sock".to_string())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Poll until `ok` holds, at most `limit`.
fn eventually(limit: Duration, what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_for_port(port: u16, server: &mut Child, name: &str) {
    eventually(Duration::from_secs(10), &format!("{name} listens"), || {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("{name} exited at start: {status}");
        }
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

fn sh(cmd: &str) -> std::process::Output {
    Command::new("sh")
        .args(["-c", cmd])
        .output()
        .expect("sh runs")
}

/// An sshd on a loopback port with a host key and a user key of its own, and a client
/// configuration for it (`Host opshost` names it without user or port).
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    /// A second port whose sessions have no `docker` on their PATH.
    port_without_docker: u16,
    user: String,
    server: Child,
}

impl Sshd {
    fn start() -> Sshd {
        let dir = tempfile::tempdir().expect("a temp dir");
        let d = dir.path();
        for key in ["host_key", "id_user", "id_stranger"] {
            let out = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", ""])
                .arg("-f")
                .arg(d.join(key))
                .output()
                .expect("ssh-keygen runs");
            assert!(out.status.success(), "ssh-keygen: {:?}", out);
        }
        std::fs::copy(d.join("id_user.pub"), d.join("authorized_keys")).unwrap();
        let user = String::from_utf8(sh("id -un").stdout)
            .unwrap()
            .trim()
            .to_string();
        let (port, port_without_docker) = (free_port(), free_port());
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "Port {port}\nPort {port_without_docker}\nListenAddress 127.0.0.1\n\
                 HostKey {dir}/host_key\nAuthorizedKeysFile {dir}/authorized_keys\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                 StrictModes no\nPidFile none\nPermitRootLogin prohibit-password\n\
                 Match LocalPort {port_without_docker}\n  SetEnv PATH=/nonexistent\n",
                dir = d.display()
            ),
        )
        .unwrap();
        // Debian's sshd wants its privilege-separation directory.
        let _ = std::fs::create_dir_all("/run/sshd");
        let mut server = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .expect("sshd starts");
        wait_for_port(port, &mut server, "sshd");

        let host_key = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        let known: String = [port, port_without_docker]
            .iter()
            .map(|p| format!("[127.0.0.1]:{p} {host_key}"))
            .collect();
        std::fs::write(d.join("known_hosts"), known).unwrap();
        std::fs::write(d.join("empty_known_hosts"), "").unwrap();
        let client = d.join("client");
        std::fs::create_dir_all(&client).unwrap();
        std::fs::write(
            client.join("ssh_config"),
            format!(
                "Host opshost\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n\
                 Host strict\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  \
                 UserKnownHostsFile {dir}/empty_known_hosts\n  StrictHostKeyChecking yes\n\
                 Host stranger\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  \
                 IdentityFile {dir}/id_stranger\n\
                 Host * !stranger\n  IdentityFile {dir}/id_user\n\
                 Host *\n  IdentitiesOnly yes\n  \
                 UserKnownHostsFile {dir}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  \
                 BatchMode yes\n  LogLevel ERROR\n",
                dir = d.display()
            ),
        )
        .unwrap();
        let wrapper = client.join("ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n",
                client.join("ssh_config").display()
            ),
        )
        .unwrap();
        sh(&format!("chmod 755 {}", wrapper.display()));
        Sshd {
            dir,
            port,
            port_without_docker,
            user,
            server,
        }
    }

    fn client_dir(&self) -> PathBuf {
        self.dir.path().join("client")
    }

    /// `env` with this sshd's client first on PATH and `DOCKER_HOST` set to `host`.
    fn env(&self, mut env: Vec<(String, String)>, host: &str) -> Vec<(String, String)> {
        env.retain(|(k, _)| k != "DOCKER_HOST" && k != "PATH");
        env.push(("DOCKER_HOST".into(), host.into()));
        env.push((
            "PATH".into(),
            format!(
                "{}:{}",
                self.client_dir().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ));
        env
    }

    /// The ssh processes started through this sshd's client that are still running.
    fn ssh_processes(&self) -> Vec<String> {
        let out = Command::new("pgrep")
            .arg("-af")
            .arg(self.client_dir())
            .output()
            .expect("pgrep runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// None left within a few seconds (they end on EOF, on our kill, or on their parent's death).
    #[track_caller]
    fn assert_none_left(&self, after: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left = self.ssh_processes();
            if left.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "ssh processes left 5 s after {after}:\n{}",
                left.join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(self.dir.path().join("sshd.log"))
        {
            eprintln!("sshd log:\n{}", log.chars().take(4000).collect::<String>());
        }
    }
}

fn signal(child: &Child, sig: &str) {
    let out = sh(&format!("kill -{sig} {}", child.id()));
    assert!(out.status.success(), "kill -{sig}: {out:?}");
}

/// `cleanops logs -f` over ssh, stopped by `sig` once a line came: no ssh process may stay.
fn follow_then(stack: &Stack, sshd: &Sshd, url: &str, sig: &str) {
    let mut cmd = Command::new(crate::bin());
    cmd.args(["logs", "-f", "jobs", "--tail", "1"])
        .env_clear()
        .env("HOME", stack.dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in sshd.env(stack.env(), url) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cleanops logs -f starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    let n = stdout.read(&mut first).expect("logs -f writes");
    assert_eq!(n, 1, "logs -f over ssh printed nothing");
    assert!(
        !sshd.ssh_processes().is_empty(),
        "logs -f runs without an ssh process: the wrapper is not in use"
    );
    signal(&child, sig);
    child.wait().expect("cleanops ends");
    sshd.assert_none_left(&format!("SIG{sig} of logs -f"));
}

#[test]
fn read_commands_over_ssh_answer_as_over_the_socket_and_leave_no_ssh_behind() {
    if !servers_or_skip() {
        return;
    }
    let stack = Stack::up(crate::docker::ENV);
    let sshd = Sshd::start();
    // The port in the URL, the user too, and the engine's socket on the remote host.
    let url = format!(
        "ssh://{}@127.0.0.1:{}{}",
        sshd.user,
        sshd.port,
        engine_socket()
    );
    let over_ssh =
        |args: &[&str]| -> Run { run_env_live(args, &sshd.env(stack.env(), &url), &stack.dir) };
    let local = |args: &[&str]| -> Run { stack.cleanops(args) };

    for args in [
        &["status"][..],
        &["logs", "jobs", "--tail", "5"],
        &["env-check"],
        &["db-check", "--via", "db"],
    ] {
        let (remote, here) = (over_ssh(args), local(args));
        assert_eq!(
            remote.code, here.code,
            "{args:?} over ssh vs the socket\n{}\n{}\nvs\n{}",
            remote.stdout, remote.stderr, here.stdout
        );
    }
    over_ssh(&["status"]).code(0).stdout_has(&url);
    over_ssh(&["logs", "jobs", "--tail", "5"]).stdout_has("job_");

    // An alias of ~/.ssh/config: its HostName, Port and User are what ssh uses.
    let alias = sshd.env(stack.env(), "ssh://opshost");
    run_env_live(&["status"], &alias, &stack.dir)
        .code(0)
        .stdout_has("on ssh://opshost");

    // Twenty diagnoses: every one names the engine it used, none leaves an ssh process.
    let expected = local(&["diagnose", "--json"]).code;
    for _ in 0..20 {
        let r = over_ssh(&["diagnose", "--json"]);
        assert_eq!(r.code, expected, "{}\n{}", r.stdout, r.stderr);
        assert_eq!(r.json()["engine"], url.as_str());
    }
    sshd.assert_none_left("20 diagnoses");

    // The same engine through a docker context: named by its endpoint and the context.
    let config = tempfile::tempdir().unwrap();
    write_context(config.path(), "prod-ssh", "ssh://opshost", None);
    let mut env = sshd.env(stack.env(), "");
    env.push(("DOCKER_CONFIG".into(), config.path().display().to_string()));
    env.push(("DOCKER_CONTEXT".into(), "prod-ssh".into()));
    let named = "ssh://opshost (context prod-ssh)";
    let r = run_env_live(&["diagnose", "--json"], &env, &stack.dir);
    assert_eq!(r.json()["engine"], named);
    run_env_live(&["diagnose"], &env, &stack.dir).stdout_has(named);
    run_env_live(&["diagnose", "--markdown"], &env, &stack.dir).stdout_has(named);
    let audit = std::fs::read_to_string(stack.dir.path().join("state/cleanops/audit.jsonl"))
        .expect("diagnose writes the audit file");
    assert!(audit.lines().last().unwrap().contains(named), "{audit}");

    // `logs -f` ended every way a terminal or a supervisor ends it.
    for sig in ["INT", "TERM", "HUP", "KILL"] {
        follow_then(&stack, &sshd, &url, sig);
    }
}

/// A context in `config` as the docker CLI writes one: meta.json under the name's SHA-256, and
/// the TLS files beside it when given.
fn write_context(config: &Path, name: &str, host: &str, tls_from: Option<&Path>) {
    let id = sha256_hex(name);
    let meta = config.join("contexts/meta").join(&id);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        serde_json::json!({
            "Name": name,
            "Metadata": {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
        })
        .to_string(),
    )
    .unwrap();
    if let Some(from) = tls_from {
        let tls = config.join("contexts/tls").join(&id).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::copy(from.join(f), tls.join(f)).unwrap();
        }
    }
}

fn sha256_hex(s: &str) -> String {
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Each way ssh can fail: its exit code, a hint that names the ssh cause (never the local
/// daemon's), and nothing left running. Times are printed for docs/benchmarks.md.
#[test]
fn ssh_failures_name_their_cause() {
    if !servers_or_skip() {
        return;
    }
    let sshd = Sshd::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("cleaning")).unwrap();
    std::fs::write(home.path().join("cleaning/.env"), crate::docker::ENV).unwrap();
    // A port that accepts and never speaks: ssh waits for a banner until its timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let closed_port = free_port();
    let rows: [(&str, String, i32, &str); 6] = [
        (
            "connection refused",
            format!("ssh://{}@127.0.0.1:{closed_port}", sshd.user),
            3,
            "nothing accepts ssh connections",
        ),
        (
            "authentication",
            "ssh://stranger".into(),
            4,
            "ssh refused the login",
        ),
        (
            "unknown host key",
            "ssh://strict".into(),
            3,
            "host key is unknown or changed",
        ),
        (
            "timeout",
            format!("ssh://{}@127.0.0.1:{silent_port}", sshd.user),
            3,
            "no answer over ssh",
        ),
        (
            "no docker on the remote PATH",
            format!("ssh://{}@127.0.0.1:{}", sshd.user, sshd.port_without_docker),
            3,
            "no `docker` command",
        ),
        (
            "no engine behind the remote socket",
            "ssh://opshost/nonexistent/docker.sock".into(),
            3,
            "the Docker daemon there does not answer",
        ),
    ];
    for (name, url, code, hint) in &rows {
        let env = sshd.env(Vec::new(), url);
        let r = run_env_live(&["logs", "jobs", "--timeout", "2s"], &env, &home);
        eprintln!("{name}: exit {} in {:?}", r.code, r.elapsed);
        assert_eq!(r.code, *code, "{name}: {}", r.stderr);
        r.stderr_has(hint);
        for local_hint in [
            "docker group",
            "systemctl status docker`)",
            "is Docker installed",
        ] {
            assert!(
                !r.stderr.contains(local_hint),
                "{name}: a local daemon's hint: {}",
                r.stderr
            );
        }
    }
    // kill -9 while ssh still waits for the banner: the kernel ends it with its parent (Linux),
    // not its ConnectTimeout.
    let mut cmd = Command::new(crate::bin());
    cmd.args(["logs", "jobs", "--timeout", "60s"])
        .env_clear()
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let silent_url = format!("ssh://{}@127.0.0.1:{silent_port}", sshd.user);
    for (k, v) in sshd.env(Vec::new(), &silent_url) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cleanops starts");
    eventually(Duration::from_secs(10), "ssh is connecting", || {
        !sshd.ssh_processes().is_empty()
    });
    signal(&child, "KILL");
    child.wait().expect("cleanops ends");
    sshd.assert_none_left("kill -9 while connecting");

    // The stricter host-key policy held: nothing was written to its known_hosts.
    let strict_known = std::fs::read_to_string(sshd.dir.path().join("empty_known_hosts")).unwrap();
    assert_eq!(strict_known, "", "a host key was accepted for the user");

    // With the engine out of reach, env-check does not judge the TTL against a default loop,
    // and recommends no change: the rule says it was not checked.
    let env = sshd.env(Vec::new(), "ssh://stranger");
    let r = run_env_live(&["env-check", "--json"], &env, &home);
    r.code(0);
    let doc = r.json();
    let ttl = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "JOB_HEARTBEAT_TTL_SECONDS")
        .expect("the TTL rule")
        .clone();
    assert_eq!(ttl["mark"], "skipped", "{ttl}");
    assert!(ttl["fix"].is_null(), "{ttl}");
    // diagnose: the container check carries the finding; the checks that need the engine after
    // it are not run, and say so.
    let mut env = env;
    env.push((
        "CLEANOPS_API_URL".into(),
        format!("http://127.0.0.1:{closed_port}"),
    ));
    let r = run_env_live(&["diagnose", "--json"], &env, &home);
    let doc = r.json();
    let status = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == name)
            .map(|c| c["status"].clone())
            .unwrap_or_default()
    };
    assert_eq!(status("jobs-container"), "failed", "{doc}");
    assert_eq!(status("jobs-logs"), "skipped", "{doc}");
    assert_eq!(status("api-logs"), "skipped", "{doc}");
    drop(silent);
    sshd.assert_none_left("the failures");
}

// ---------------------------------------------------------------------------------------------
// TLS

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as the docker CLI's
/// `DOCKER_CERT_PATH` holds them (ca.pem, cert.pem, key.pem), plus the server's own files.
fn certificates(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cleanops test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issue = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose, prefix: &str| {
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![purpose];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        std::fs::write(dir.join(format!("{prefix}cert.pem")), cert.pem()).unwrap();
        std::fs::write(dir.join(format!("{prefix}key.pem")), key.serialize_pem()).unwrap();
    };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    issue(
        vec!["127.0.0.1".into(), "localhost".into()],
        ExtendedKeyUsagePurpose::ServerAuth,
        "server-",
    );
    issue(vec![], ExtendedKeyUsagePurpose::ClientAuth, "");
}

/// socat in front of the engine's socket: with TLS that verifies client certificates, or plain.
struct Terminator {
    port: u16,
    child: Child,
}

impl Terminator {
    fn start(tls_dir: Option<&Path>) -> Terminator {
        let port = free_port();
        let listen = match tls_dir {
            Some(d) => format!(
                "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={d}/server-cert.pem,key={d}/server-key.pem,cafile={d}/ca.pem,verify=1",
                d = d.display()
            ),
            None => format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"),
        };
        let mut child = Command::new("socat")
            .arg(listen)
            .arg(format!("UNIX-CONNECT:{}", engine_socket()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat starts");
        wait_for_port(port, &mut child, "socat");
        Terminator { port, child }
    }
}

impl Drop for Terminator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tls_engines_behind_a_verifying_terminator() {
    if !servers_or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let certs = home.path().join("certs");
    certificates(&certs);
    let tls = Terminator::start(Some(&certs));
    let plain = Terminator::start(None);
    let tls_url = format!("tcp://127.0.0.1:{}", tls.port);
    let plain_url = format!("tcp://127.0.0.1:{}", plain.port);
    let with = |host: &str, cert_dir: Option<&Path>| -> Vec<(String, String)> {
        let mut env = vec![
            ("DOCKER_HOST".to_string(), host.to_string()),
            ("CLEANOPS_PROJECT_NAME".into(), "no-such-project".into()),
        ];
        if let Some(d) = cert_dir {
            env.push(("DOCKER_TLS_VERIFY".into(), "1".into()));
            env.push(("DOCKER_CERT_PATH".into(), d.display().to_string()));
        }
        env
    };
    // The engine answered when it says which project it has no container of.
    let answered = "no container of service \"jobs\" in compose project \"no-such-project\"";

    let r = run_env_live(
        &["logs", "jobs", "--timeout", "5s"],
        &with(&tls_url, Some(&certs)),
        &home,
    );
    r.code(1).stderr_has(answered).stderr_has(&tls_url);
    // A diagnosis asks the engine several things at once, over several connections: none may
    // try to resume a session (this terminator answers that with a fatal alert).
    let r = run_env_live(
        &["diagnose", "--json", "--deadline", "10s"],
        &with(&tls_url, Some(&certs)),
        &home,
    );
    assert!(
        !r.stdout.contains("alert") && !r.stderr.contains("alert"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(r.json()["engine"], tls_url.as_str());
    assert!(
        r.stdout.contains("no-such-project"),
        "the engine was not asked: {}",
        r.stdout
    );

    // A docker context with its own TLS files: named by endpoint and context.
    let config = home.path().join("docker-config");
    write_context(&config, "prod-tls", &tls_url, Some(&certs));
    let env = vec![
        ("DOCKER_HOST".to_string(), String::new()),
        ("DOCKER_CONFIG".into(), config.display().to_string()),
        ("DOCKER_CONTEXT".into(), "prod-tls".into()),
        ("CLEANOPS_PROJECT_NAME".into(), "no-such-project".into()),
    ];
    run_env_live(&["logs", "jobs"], &env, &home)
        .code(1)
        .stderr_has(&format!("{tls_url} (context prod-tls)"));

    // Each failure kind: its exit code and a hint in plain words.
    let no_client_cert = home.path().join("ca-only");
    std::fs::create_dir_all(&no_client_cert).unwrap();
    std::fs::copy(certs.join("ca.pem"), no_client_cert.join("ca.pem")).unwrap();
    let other_ca = home.path().join("other");
    certificates(&other_ca);
    type Env = Vec<(String, String)>;
    let rows: [(&str, Env, i32, &str); 4] = [
        (
            "no client certificate",
            with(&tls_url, Some(&no_client_cert)),
            4,
            "wants a client certificate",
        ),
        (
            "unknown CA",
            with(&tls_url, Some(&other_ca)),
            3,
            "not signed by the CA",
        ),
        (
            "plain TCP on the TLS port",
            with(&tls_url, None),
            3,
            "it may want TLS",
        ),
        (
            "TLS on a plain port",
            with(&plain_url, Some(&certs)),
            3,
            "answered without TLS",
        ),
    ];
    for (name, env, code, hint) in &rows {
        let r = run_env_live(&["logs", "jobs", "--timeout", "5s"], env, &home);
        eprintln!("{name}: exit {} in {:?}", r.code, r.elapsed);
        assert_eq!(r.code, *code, "{name}: {}", r.stderr);
        r.stderr_has(hint);
    }
}
