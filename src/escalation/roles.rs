//! The escalation chain of a profile: who each role is, and how cleanops reaches them (a
//! PagerDuty routing key, a Slack incoming webhook, or only a name and contact text). Keys and
//! webhook URLs stay in files, read only when a command needs them, and are never shown: only a
//! short fingerprint.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use reqwest::Url;
use serde::Deserialize;

use super::Need;
use crate::config::Secret;
use crate::error::Failure;

/// PagerDuty's Events API v2 endpoint.
pub const DEFAULT_PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// One role as a profile writes it (`[[profiles.NAME.escalation]]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// The role's id, as `cleanops escalate ROLE` names it (`primary`, `secondary`, ...).
    pub role: String,
    /// Who it is (`Backend lead`, a person's name).
    pub name: Option<String>,
    /// How to reach them by hand (a phone number, a schedule, a Slack handle).
    pub contact: Option<String>,
    /// What the role is for: `manual`, `upstream`, `infrastructure`.
    #[serde(default)]
    pub handles: Vec<String>,
    /// A file whose first line is the role's PagerDuty Events API v2 routing key.
    pub pagerduty_routing_key_file: Option<PathBuf>,
    /// This role's Events API endpoint, when not the profile's.
    pub pagerduty_url: Option<String>,
    /// A file whose first line is a Slack incoming-webhook URL that reaches this role.
    pub slack_webhook_file: Option<PathBuf>,
}

/// A role of the chain, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub contact: Option<String>,
    pub handles: Vec<Need>,
    /// The routing key's file and the endpoint it is sent to.
    pub pagerduty: Option<(PathBuf, String)>,
    pub slack_webhook_file: Option<PathBuf>,
}

impl Role {
    /// `Backend lead (secondary)`.
    pub fn label(&self) -> String {
        if self.name == self.id {
            self.id.clone()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }

    /// True when cleanops can reach the role itself (PagerDuty or Slack).
    pub fn reachable(&self) -> bool {
        self.pagerduty.is_some() || self.slack_webhook_file.is_some()
    }
}

/// The runbook's "Escalation roles", as names only: what a profile without `escalation` gets.
pub fn runbook_chain() -> Vec<Role> {
    let role = |id: &str, name: &str, need: Need| Role {
        id: id.into(),
        name: name.into(),
        contact: None,
        handles: vec![need],
        pagerduty: None,
        slack_webhook_file: None,
    };
    vec![
        role("primary", "On-call engineer (Ops)", Need::Manual),
        role("secondary", "Backend lead", Need::Upstream),
        role("tertiary", "Infrastructure owner", Need::Infrastructure),
    ]
}

/// The chain a profile names, checked: ids unique and usable on a command line, `handles` known,
/// endpoints https (plain http only to loopback). `where_` says which file, for the errors.
pub fn resolve_chain(
    configs: &[RoleConfig],
    default_pagerduty_url: &str,
    where_: &str,
) -> Result<Vec<Role>> {
    if configs.is_empty() {
        return Err(Failure::usage(format!(
            "{where_}: escalation is an empty chain; leave it out for the runbook's three roles"
        ))
        .into());
    }
    let mut roles: Vec<Role> = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let at = format!("{where_}: escalation role {}", i + 1);
        let id = c.role.trim().to_ascii_lowercase();
        let id_ok = !id.is_empty()
            && id.len() <= 32
            && id.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !id_ok {
            return Err(Failure::usage(format!(
                "{at}: role {:?} must be 1 to 32 letters, digits, - or _ (it is typed as `cleanops escalate ROLE`)",
                crate::render::shown(&c.role)
            ))
            .into());
        }
        if roles.iter().any(|r| r.id == id) {
            return Err(Failure::usage(format!("{at}: role {id:?} appears twice")).into());
        }
        let name = c
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&id)
            .to_string();
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Failure::usage(format!(
                "{at}: name must be one line of at most 100 characters"
            ))
            .into());
        }
        let contact = c
            .contact
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if contact
            .as_deref()
            .is_some_and(|t| t.chars().count() > 300 || t.chars().any(char::is_control))
        {
            return Err(Failure::usage(format!(
                "{at}: contact must be one line of at most 300 characters"
            ))
            .into());
        }
        let mut handles = Vec::new();
        for h in &c.handles {
            match Need::parse(h) {
                Some(n) if !handles.contains(&n) => handles.push(n),
                Some(_) => {}
                None => {
                    return Err(Failure::usage(format!(
                        "{at}: handles {:?} is not one of manual, upstream, infrastructure",
                        crate::render::shown(h)
                    ))
                    .into());
                }
            }
        }
        let pd_url = c
            .pagerduty_url
            .clone()
            .unwrap_or_else(|| default_pagerduty_url.to_string());
        if c.pagerduty_url.is_some() {
            check_endpoint(&pd_url, &format!("{at}: pagerduty_url"))?;
        }
        if c.pagerduty_url.is_some() && c.pagerduty_routing_key_file.is_none() {
            return Err(Failure::usage(format!(
                "{at}: pagerduty_url without pagerduty_routing_key_file"
            ))
            .into());
        }
        roles.push(Role {
            id,
            name,
            contact,
            handles,
            pagerduty: c
                .pagerduty_routing_key_file
                .clone()
                .map(|file| (file, pd_url)),
            slack_webhook_file: c.slack_webhook_file.clone(),
        });
    }
    Ok(roles)
}

/// An endpoint cleanops posts to: https, or plain http to loopback (a test's recording server);
/// never with credentials in it. `what` names it in the error; the URL itself is not secret.
pub fn check_endpoint(url: &str, what: &str) -> Result<Url> {
    let parsed = Url::parse(url).map_err(|e| {
        Failure::usage(format!(
            "{what} {:?} is not a URL: {e}",
            crate::render::shown(url)
        ))
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Failure::usage(format!("{what} carries a username or password")).into());
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if crate::api::client::is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Failure::usage(format!(
            "{what}: refusing plain http:// to {}: https only (plain http only to loopback, for tests)",
            parsed.host_str().unwrap_or("?")
        ))
        .into()),
        other => Err(Failure::usage(format!("{what} must be https://, not {other}://")).into()),
    }
}

/// The first 8 hex digits of the SHA-256 of a secret: enough to tell two keys apart in a log or
/// an audit record, useless for sending anything.
pub fn fingerprint(secret: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    digest.as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A routing key read from its file.
#[derive(Clone)]
pub struct RoutingKey {
    pub key: Secret,
    pub fingerprint: String,
}

impl fmt::Debug for RoutingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoutingKey(******** fp {})", self.fingerprint)
    }
}

/// A Slack incoming-webhook URL read from its file: the URL is the credential.
#[derive(Clone)]
pub struct Webhook {
    url: Url,
    pub fingerprint: String,
}

impl Webhook {
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL as shown anywhere: scheme and host only.
    pub fn shown(&self) -> String {
        masked_url(&self.url)
    }

    /// The secret parts, to scrub from any text the service answers with.
    pub fn secret_parts(&self) -> Vec<String> {
        let mut parts = vec![self.url.as_str().to_string()];
        let path = self.url.path().trim_matches('/');
        if path.len() >= 8 {
            parts.push(path.to_string());
        }
        // Each segment of a Slack webhook path (T…/B…/token) is part of the credential.
        parts.extend(
            self.url
                .path_segments()
                .into_iter()
                .flatten()
                .filter(|s| s.len() >= 8)
                .map(str::to_string),
        );
        parts
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Webhook({} fp {})", self.shown(), self.fingerprint)
    }
}

/// `https://hooks.slack.com/********`: where it goes, not how to post there.
pub fn masked_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(p) => format!("{}://{host}:{p}/********", url.scheme()),
        None => format!("{}://{host}/********", url.scheme()),
    }
}

/// The first line of a secret file, checked: one token, no spaces or control characters. Errors
/// name the file and what is wrong, never what is in it.
pub fn read_secret_line(path: &Path, what: &str) -> Result<Secret> {
    let text = crate::files::read_text(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })?;
    if crate::files::world_readable(path) {
        crate::render::warn(&format!(
            "the {what} file {} is readable by every user of this machine: chmod 600 it",
            path.display()
        ));
    }
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return Err(Failure::usage(format!(
            "the {what} file {} has an empty first line",
            path.display()
        ))
        .into());
    }
    if line.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Failure::usage(format!(
            "the first line of the {what} file {} holds spaces or control characters: it must be the {what} alone",
            path.display()
        ))
        .into());
    }
    Ok(Secret::new(line))
}

pub fn read_routing_key(path: &Path) -> Result<RoutingKey> {
    let key = read_secret_line(path, "PagerDuty routing key")?;
    let n = key.expose().chars().count();
    if n != 32 {
        crate::render::warn(&format!(
            "the PagerDuty routing key in {} is {n} characters; Events API v2 integration keys are 32",
            path.display()
        ));
    }
    Ok(RoutingKey {
        fingerprint: fingerprint(key.expose()),
        key,
    })
}

pub fn read_webhook(path: &Path) -> Result<Webhook> {
    let line = read_secret_line(path, "Slack webhook")?;
    let what = format!("the Slack webhook URL in {}", path.display());
    // The URL is the credential: errors say what is wrong with it, never the URL.
    let url = Url::parse(line.expose())
        .map_err(|e| Failure::usage(format!("{what} is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Failure::usage(format!("{what} carries a username or password")).into());
    }
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if crate::api::client::is_loopback(&url) => {}
        "http" => {
            return Err(Failure::usage(format!(
                "{what} is plain http:// to {}: https only (plain http only to loopback, for tests)",
                url.host_str().unwrap_or("?")
            ))
            .into());
        }
        other => {
            return Err(Failure::usage(format!("{what} must be https://, not {other}://")).into());
        }
    }
    Ok(Webhook {
        fingerprint: fingerprint(line.expose()),
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(role: &str) -> RoleConfig {
        RoleConfig {
            role: role.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_default_chain_is_the_runbooks() {
        let chain = runbook_chain();
        let labels: Vec<String> = chain.iter().map(Role::label).collect();
        assert_eq!(
            labels,
            [
                "On-call engineer (Ops) (primary)",
                "Backend lead (secondary)",
                "Infrastructure owner (tertiary)"
            ]
        );
        assert!(chain.iter().all(|r| !r.reachable()));
    }

    #[test]
    fn chains_are_checked() {
        let ok = resolve_chain(
            &[
                RoleConfig {
                    handles: vec!["Upstream".into()],
                    pagerduty_routing_key_file: Some("/k".into()),
                    ..cfg("Backend")
                },
                cfg("infra"),
            ],
            DEFAULT_PAGERDUTY_URL,
            "f",
        )
        .unwrap();
        assert_eq!(ok[0].id, "backend");
        assert_eq!(ok[0].name, "backend");
        assert_eq!(ok[0].handles, [Need::Upstream]);
        assert_eq!(
            ok[0].pagerduty,
            Some((PathBuf::from("/k"), DEFAULT_PAGERDUTY_URL.to_string()))
        );
        for bad in [
            vec![],
            vec![cfg("a"), cfg("A")],
            vec![cfg("has space")],
            vec![cfg("")],
            vec![cfg("-x")],
            vec![RoleConfig {
                handles: vec!["db".into()],
                ..cfg("a")
            }],
            vec![RoleConfig {
                pagerduty_url: Some("http://pd.example/x".into()),
                pagerduty_routing_key_file: Some("/k".into()),
                ..cfg("a")
            }],
            vec![RoleConfig {
                name: Some("two\nlines".into()),
                ..cfg("a")
            }],
        ] {
            let err = resolve_chain(&bad, DEFAULT_PAGERDUTY_URL, "f").unwrap_err();
            assert_eq!(
                crate::error::exit_of(&err),
                crate::error::Exit::Usage,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn endpoints_are_https_or_loopback() {
        assert!(check_endpoint("https://events.pagerduty.com/v2/enqueue", "x").is_ok());
        assert!(check_endpoint("http://127.0.0.1:9/v2/enqueue", "x").is_ok());
        assert!(check_endpoint("http://[::1]:9/", "x").is_ok());
        assert!(check_endpoint("http://events.pagerduty.com/v2/enqueue", "x").is_err());
        assert!(check_endpoint("https://u:p@events.pagerduty.com/", "x").is_err());
        assert!(check_endpoint("ftp://x/", "x").is_err());
    }

    #[test]
    fn secret_files_are_one_token_and_never_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let key =
            read_routing_key(&write("k", "0123456789abcdef0123456789abcdef\nrest\n")).unwrap();
        assert_eq!(key.key.expose(), "0123456789abcdef0123456789abcdef");
        assert_eq!(key.fingerprint.len(), 8);
        assert!(!format!("{key:?}").contains("0123456789"));
        for (name, text) in [("e", "\n"), ("s", "two words\n")] {
            let err = read_routing_key(&write(name, text)).unwrap_err();
            assert!(!format!("{err:#}").contains("words"));
        }
        let hook = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnop";
        let w = read_webhook(&write("w", hook)).unwrap();
        assert_eq!(w.shown(), "https://hooks.slack.com/********");
        assert!(!format!("{w:?}").contains("abcdefgh"));
        assert!(w.secret_parts().iter().any(|p| p == "abcdefghijklmnop"));
        let err = read_webhook(&write(
            "h",
            "http://hooks.slack.com/services/T/B/secretpart",
        ))
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("https only") && !msg.contains("secretpart"),
            "{msg}"
        );
        let err = read_webhook(&write("n", "not a url at all")).unwrap_err();
        assert!(!format!("{err:#}").contains("at all"));
    }

    #[test]
    fn fingerprints_are_short_and_stable() {
        assert_eq!(fingerprint("abc"), "ba7816bf");
        assert_ne!(fingerprint("abd"), fingerprint("abc"));
    }
}
