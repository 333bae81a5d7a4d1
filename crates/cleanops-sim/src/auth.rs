//! Admin authentication (docs/app-contract.md §5.1–§5.4): legacy Basic mode with the app's exact order of
//! checks, proxy mode, roles, and the 401 reasons a client has to explain to the operator.

use std::net::IpAddr;

use axum::http::HeaderMap;

use super::SimOptions;
use super::state::DEFAULT_ORG_ID;

/// The `ADMIN_PROXY_AUTH_SECRET` of the simulator, for proxy-mode tests.
pub const PROXY_AUTH_SECRET: &str = "sim-admin-proxy-auth-secret-000000000000";

/// `APP_ENV` values the app accepts.
pub(crate) const APP_ENVS: [&str; 7] = ["dev", "prod", "ci", "e2e", "staging", "test", "local"];

/// The two spellings of the trusted-proxy refusal: the running app was seen answering
/// `untrusted_proxy` (docs/app-contract.md §13), the code's list says `proxy_untrusted` (§5.3).
pub(crate) const UNTRUSTED_REASONS: [&str; 2] = ["untrusted_proxy", "proxy_untrusted"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    // Declared from lowest to highest, so that `max` picks the strongest proxy role.
    Viewer,
    Finance,
    Accountant,
    Dispatcher,
    Admin,
    Owner,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Accountant => "accountant",
            Role::Finance => "finance",
            Role::Viewer => "viewer",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        [
            Role::Owner,
            Role::Admin,
            Role::Dispatcher,
            Role::Accountant,
            Role::Finance,
            Role::Viewer,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// `admin.manage`: the DLQ listing and every replay.
    pub(crate) fn can_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Who a request authenticated as. Basic and proxy identities are pinned to the default org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    pub username: String,
    pub role: Role,
    pub org_id: String,
}

/// A 401 from the admin middleware: `{"detail": ...}` as application/json.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AuthFailure {
    pub detail: &'static str,
    /// `X-Admin-Auth-Fail-Reason`; `None` for SaaS-token failures, which carry neither that
    /// header nor `WWW-Authenticate`.
    pub reason: Option<&'static str>,
}

impl AuthFailure {
    fn new(detail: &'static str, reason: &'static str) -> AuthFailure {
        AuthFailure {
            detail,
            reason: Some(reason),
        }
    }

    fn invalid() -> AuthFailure {
        AuthFailure::new("Invalid authentication", "invalid_credentials")
    }
}

#[derive(Clone, Debug)]
struct User {
    username: String,
    password: String,
    role: Role,
}

/// An entry of `TRUSTED_PROXY_IPS` / `TRUSTED_PROXY_CIDRS`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Trusted {
    Ip(IpAddr),
    Net(IpAddr, u8),
}

impl Trusted {
    fn parse(s: &str) -> Option<Trusted> {
        match s.split_once('/') {
            None => s.parse().ok().map(Trusted::Ip),
            Some((ip, bits)) => {
                let ip: IpAddr = ip.parse().ok()?;
                let bits: u8 = bits.parse().ok()?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                (bits <= max).then_some(Trusted::Net(ip, bits))
            }
        }
    }

    fn contains(&self, peer: IpAddr) -> bool {
        match *self {
            Trusted::Ip(ip) => ip == peer,
            Trusted::Net(IpAddr::V4(net), bits) => match peer {
                IpAddr::V4(p) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                    u32::from(net) & mask == u32::from(p) & mask
                }
                IpAddr::V6(_) => false,
            },
            Trusted::Net(IpAddr::V6(net), bits) => match peer {
                IpAddr::V6(p) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                    u128::from(net) & mask == u128::from(p) & mask
                }
                IpAddr::V4(_) => false,
            },
        }
    }
}

/// The auth-related settings of the simulated app.
#[derive(Clone, Debug)]
pub(crate) struct AuthSettings {
    pub app_env: String,
    /// `LEGACY_BASIC_AUTH_ENABLED`; `None` resolves from `APP_ENV`.
    pub legacy_basic_enabled: Option<bool>,
    /// As configured (for the state document); an empty list means TRUST_PROXY_HEADERS=false.
    pub trusted_proxies: Vec<String>,
    trusted: Vec<Trusted>,
    /// `ADMIN_PROXY_AUTH_ENABLED`.
    pub proxy_mode: bool,
    /// `X-Admin-Auth-Fail-Reason` of the trusted-proxy refusal: one of [`UNTRUSTED_REASONS`].
    pub untrusted_reason: &'static str,
    users: Vec<User>,
}

impl AuthSettings {
    pub(crate) fn from_options(opts: &SimOptions) -> AuthSettings {
        let mut users = Vec::new();
        // A pair counts only when both halves are set, as in the app.
        if !opts.admin_user.is_empty() && !opts.admin_password.is_empty() {
            users.push(User {
                username: opts.admin_user.clone(),
                password: opts.admin_password.clone(),
                role: admin_role_for(&opts.admin_user),
            });
        }
        if !opts.viewer_user.is_empty() && !opts.viewer_password.is_empty() {
            users.push(User {
                username: opts.viewer_user.clone(),
                password: opts.viewer_password.clone(),
                role: Role::Viewer,
            });
        }
        let mut settings = AuthSettings {
            app_env: "ci".to_owned(),
            legacy_basic_enabled: None,
            trusted_proxies: Vec::new(),
            trusted: Vec::new(),
            proxy_mode: false,
            untrusted_reason: UNTRUSTED_REASONS[0],
            users,
        };
        // TRUST_PROXY_HEADERS=true with the options' peers trusted (loopback by default). An
        // invalid entry leaves none trusted: callers validate first (`validate_trusted`).
        settings
            .set_trusted_proxies(opts.trusted_proxies.clone())
            .unwrap_or_default();
        settings
    }

    /// Replaces the trusted proxies; fails on an entry that is neither an IP nor a CIDR.
    pub(crate) fn set_trusted_proxies(&mut self, entries: Vec<String>) -> Result<(), String> {
        let trusted = parse_trusted(&entries)?;
        self.trusted = trusted;
        self.trusted_proxies = entries;
        Ok(())
    }

    pub(crate) fn legacy_basic_effective(&self) -> bool {
        let by_env = matches!(
            self.app_env.as_str(),
            "dev" | "ci" | "e2e" | "test" | "local"
        );
        self.legacy_basic_enabled.unwrap_or(by_env)
    }

    fn is_trusted(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.trusted.iter().any(|t| t.contains(peer))
    }

    /// Authenticates a `/v1/admin` request coming from `peer`.
    pub(crate) fn authenticate(
        &self,
        headers: &HeaderMap,
        peer: IpAddr,
    ) -> Result<Identity, AuthFailure> {
        if self.proxy_mode {
            return self.authenticate_proxy(headers, peer);
        }
        let authorization = header(headers, "authorization");
        let (scheme, param) = match authorization {
            Some(value) => value.split_once(' ').unwrap_or((value, "")),
            None => ("", ""),
        };
        // 1. A Bearer token goes to the SaaS decoder; the simulator issues none, so any is invalid.
        if scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthFailure {
                detail: "Invalid SaaS token",
                reason: None,
            });
        }
        // 3. Legacy Basic auth switched off (the default in prod and staging).
        if !self.legacy_basic_effective() {
            return Err(AuthFailure::invalid());
        }
        // 4. Parse the credentials; missing, malformed or without a username: invalid.
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(AuthFailure::invalid());
        }
        let decoded = decode_base64(param).ok_or_else(AuthFailure::invalid)?;
        // latin-1: every byte is the code point of the same value.
        let decoded: String = decoded.into_iter().map(char::from).collect();
        let (username, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
        if username.is_empty() {
            return Err(AuthFailure::invalid());
        }
        // 5. The MFA / trusted-proxy gate runs BEFORE the password is looked at.
        let mfa = mfa_asserted(headers);
        let trusted = self.is_trusted(peer);
        if mfa {
            if !trusted {
                return Err(self.untrusted());
            }
        } else if !matches!(self.app_env.as_str(), "test" | "ci" | "e2e") {
            return Err(if trusted {
                AuthFailure::new("Admin access requires MFA", "mfa_required")
            } else {
                self.untrusted()
            });
        }
        // 6. The configured users, in order.
        self.users
            .iter()
            .find(|u| u.username == username && u.password == password)
            .map(|u| Identity {
                username: u.username.clone(),
                role: u.role,
                org_id: DEFAULT_ORG_ID.to_owned(),
            })
            .ok_or_else(AuthFailure::invalid)
    }

    fn untrusted(&self) -> AuthFailure {
        AuthFailure::new(
            "Admin access requires a trusted proxy",
            self.untrusted_reason,
        )
    }

    /// Proxy mode (§5.2(b)): identity from the trusted proxy's headers; Basic is ignored.
    fn authenticate_proxy(
        &self,
        headers: &HeaderMap,
        peer: IpAddr,
    ) -> Result<Identity, AuthFailure> {
        if !self.is_trusted(peer) {
            return Err(self.untrusted());
        }
        let user = header(headers, "x-admin-user")
            .filter(|u| !u.is_empty())
            .ok_or(AuthFailure::new(
                "Admin access requires proxy authentication",
                "missing_authorization",
            ))?;
        if header(headers, "x-proxy-auth-secret") != Some(PROXY_AUTH_SECRET) {
            return Err(AuthFailure::new(
                "Invalid proxy authentication",
                "invalid_credentials",
            ));
        }
        let mfa = header(headers, "x-auth-mfa")
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
            .unwrap_or(false);
        if !mfa {
            return Err(AuthFailure::new(
                "Admin access requires MFA",
                "mfa_required",
            ));
        }
        // The highest listed role wins; unknown or empty means viewer.
        let role = header(headers, "x-admin-roles")
            .unwrap_or("")
            .split(',')
            .filter_map(|r| Role::parse(&r.trim().to_ascii_lowercase()))
            .max()
            .unwrap_or(Role::Viewer);
        Ok(Identity {
            username: user.to_owned(),
            role,
            org_id: DEFAULT_ORG_ID.to_owned(),
        })
    }
}

/// The quirk of §5.2(a) 6: an `ADMIN_BASIC_USERNAME` that names a lesser role gets that role.
fn admin_role_for(username: &str) -> Role {
    match username.trim().to_ascii_lowercase().as_str() {
        "viewer" => Role::Viewer,
        "dispatcher" => Role::Dispatcher,
        "accountant" => Role::Accountant,
        "finance" => Role::Finance,
        _ => Role::Admin,
    }
}

fn parse_trusted(entries: &[String]) -> Result<Vec<Trusted>, String> {
    entries
        .iter()
        .map(|e| {
            Trusted::parse(e.trim()).ok_or_else(|| {
                format!("trusted_proxies: `{e}` is neither an IP address nor a CIDR")
            })
        })
        .collect()
}

/// Checks the syntax of trusted-proxy entries without applying them.
pub(crate) fn validate_trusted(entries: &[String]) -> Result<(), String> {
    parse_trusted(entries).map(|_| ())
}

/// Whether `X-Auth-MFA` says yes, as the Basic-mode gate reads it (`true`, `1` or `yes`).
pub(crate) fn mfa_asserted(headers: &HeaderMap) -> bool {
    header(headers, "x-auth-mfa")
        .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Python's `base64.b64decode(s)` (non-validating): characters outside the alphabet are
/// skipped, padding must be complete. `None` where Python raises `binascii.Error`.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::new();
    let (mut acc, mut bits, mut count, mut pads) = (0u32, 0u32, 0usize, 0usize);
    for &c in s.as_bytes() {
        if c == b'=' {
            pads += 1;
            continue;
        }
        let Some(v) = value(c) else { continue };
        if pads > 0 {
            // Data after padding: Python stops at the first complete quad; be strict instead.
            return None;
        }
        acc = (acc << 6) | v;
        bits += 6;
        count += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    match count % 4 {
        0 => Some(out),
        1 => None,
        rem => (pads >= 4 - rem).then_some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn settings() -> AuthSettings {
        AuthSettings::from_options(&SimOptions::default())
    }

    fn basic(user: &str, pass: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let raw = format!("{user}:{pass}");
        h.insert(
            "authorization",
            HeaderValue::from_str(&format!("Basic {}", encode(raw.as_bytes()))).unwrap(),
        );
        h
    }

    fn encode(data: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    s.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const REMOTE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));

    #[test]
    fn base64_like_python() {
        assert_eq!(decode_base64("YWRtaW46eA==").unwrap(), b"admin:x");
        assert_eq!(decode_base64("YWRt aW46eA==").unwrap(), b"admin:x");
        assert_eq!(decode_base64("YWRtaW46eA"), None, "incorrect padding");
        assert_eq!(decode_base64("Y"), None);
        assert_eq!(decode_base64("").unwrap(), b"");
    }

    #[test]
    fn basic_in_ci() {
        let s = settings();
        let id = s
            .authenticate(&basic("admin", "sim-admin-password"), REMOTE)
            .unwrap();
        assert_eq!(id.role, Role::Admin);
        assert_eq!(id.org_id, DEFAULT_ORG_ID);
        let id = s
            .authenticate(&basic("viewer", "sim-viewer-password"), LOCAL)
            .unwrap();
        assert_eq!(id.role, Role::Viewer);
        assert_eq!(
            s.authenticate(&basic("admin", "wrong"), LOCAL),
            Err(AuthFailure::invalid())
        );
        assert_eq!(
            s.authenticate(&HeaderMap::new(), LOCAL),
            Err(AuthFailure::invalid())
        );
        assert_eq!(
            s.authenticate(&basic("", "x"), LOCAL),
            Err(AuthFailure::invalid())
        );
    }

    #[test]
    fn bearer_is_a_saas_failure_without_reason() {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer abc"));
        let err = settings().authenticate(&h, LOCAL).unwrap_err();
        assert_eq!(err.detail, "Invalid SaaS token");
        assert_eq!(err.reason, None);
    }

    #[test]
    fn gate_runs_before_the_password_outside_ci() {
        let mut s = settings();
        s.app_env = "dev".into();
        // Wrong password, untrusted peer: the gate answers first.
        let err = s
            .authenticate(&basic("admin", "wrong"), REMOTE)
            .unwrap_err();
        assert_eq!(err.reason, Some("untrusted_proxy"));
        let err = s
            .authenticate(&basic("admin", "sim-admin-password"), LOCAL)
            .unwrap_err();
        assert_eq!(err.detail, "Admin access requires MFA");
        let mut h = basic("admin", "sim-admin-password");
        h.insert("x-auth-mfa", HeaderValue::from_static("TRUE"));
        assert!(s.authenticate(&h, LOCAL).is_ok());
        assert_eq!(
            s.authenticate(&h, REMOTE).unwrap_err().reason,
            Some("untrusted_proxy")
        );
        // MFA from an untrusted peer is refused even in ci; without it, ci lets Basic through.
        s.app_env = "ci".into();
        assert_eq!(
            s.authenticate(&h, REMOTE).unwrap_err().reason,
            Some("untrusted_proxy")
        );
        assert!(
            s.authenticate(&basic("admin", "sim-admin-password"), REMOTE)
                .is_ok()
        );
        // The other spelling, where asked for.
        s.untrusted_reason = "proxy_untrusted";
        assert_eq!(
            s.authenticate(&h, REMOTE).unwrap_err().reason,
            Some("proxy_untrusted")
        );
    }

    #[test]
    fn basic_is_off_in_prod_unless_enabled() {
        let mut s = settings();
        s.app_env = "prod".into();
        let h = basic("admin", "sim-admin-password");
        assert_eq!(s.authenticate(&h, LOCAL), Err(AuthFailure::invalid()));
        s.legacy_basic_enabled = Some(true);
        assert_eq!(
            s.authenticate(&h, LOCAL).unwrap_err().reason,
            Some("mfa_required")
        );
    }

    #[test]
    fn cidrs_and_mapped_addresses() {
        let mut s = settings();
        s.set_trusted_proxies(vec!["10.0.0.0/8".into(), "fd00::/8".into()])
            .unwrap();
        assert!(s.is_trusted("10.2.3.4".parse().unwrap()));
        assert!(s.is_trusted("::ffff:10.2.3.4".parse().unwrap()));
        assert!(s.is_trusted("fd12::1".parse().unwrap()));
        assert!(!s.is_trusted(LOCAL));
        assert!(s.set_trusted_proxies(vec!["10.0.0.0/33".into()]).is_err());
        assert!(s.set_trusted_proxies(vec!["example.com".into()]).is_err());
    }

    #[test]
    fn proxy_mode() {
        let mut s = settings();
        s.proxy_mode = true;
        let mut h = HeaderMap::new();
        assert_eq!(
            s.authenticate(&h, REMOTE).unwrap_err().reason,
            Some("untrusted_proxy")
        );
        assert_eq!(
            s.authenticate(&h, LOCAL).unwrap_err().reason,
            Some("missing_authorization")
        );
        h.insert("x-admin-user", HeaderValue::from_static("admin"));
        h.insert("x-admin-roles", HeaderValue::from_static("viewer, admin"));
        h.insert(
            "x-proxy-auth-secret",
            HeaderValue::from_static(PROXY_AUTH_SECRET),
        );
        assert_eq!(
            s.authenticate(&h, LOCAL).unwrap_err().reason,
            Some("mfa_required")
        );
        h.insert("x-auth-mfa", HeaderValue::from_static("true"));
        assert_eq!(s.authenticate(&h, LOCAL).unwrap().role, Role::Admin);
    }

    #[test]
    fn admin_username_quirk() {
        assert_eq!(admin_role_for("viewer"), Role::Viewer);
        assert_eq!(admin_role_for("ops"), Role::Admin);
    }
}
