//! "This incident", as the audit file records it: for one deployment (API URL and compose
//! project), the escalations and acknowledgements since its last successful resolve, within the
//! last [`WINDOW`]. An incident older than that, or one resolved, is over: the next escalation
//! starts again at the head of the chain.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::{Need, Role};
use crate::audit::AuditRecord;
use crate::checks::verdict::CauseId;
use crate::clock;

/// How far back an incident reaches without a resolve: one on-call day.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

/// One role reached (or acknowledged for) in this incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contact {
    pub role: String,
    pub at: String,
    /// `ok`, `partial` (one of its channels failed) or `manual` (recorded, not sent).
    pub result: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Incident {
    /// Where this incident's records start: the last resolve, or the window's start.
    pub since: String,
    /// Roles escalated to, oldest first (a role paged twice appears twice).
    pub escalations: Vec<Contact>,
    pub acknowledgements: Vec<Contact>,
    /// When the previous incident of this deployment was resolved, when within the window.
    pub last_resolved: Option<String>,
}

/// The role to page when none is named.
#[derive(Debug, PartialEq)]
pub enum Next<'a> {
    Role(&'a Role),
    /// Every role after the last one paged has been paged.
    Exhausted {
        last: String,
    },
}

impl Incident {
    /// The incident of `deployment` now, from the audit file. The audit file's times are the
    /// real clock's (`CLEANOPS_NOW` freezes heartbeat ages, not the record), so is the window.
    pub fn current(deployment: &str) -> Incident {
        Incident::from_records(
            &crate::audit::read_all(),
            deployment,
            OffsetDateTime::now_utc(),
        )
    }

    /// The incident of `deployment` as of `now`, from the audit records (oldest first).
    pub fn from_records(
        records: &[AuditRecord],
        deployment: &str,
        now: OffsetDateTime,
    ) -> Incident {
        let window_start = now - WINDOW;
        let mut inc = Incident {
            since: clock::rfc3339(window_start),
            ..Incident::default()
        };
        for r in records {
            if r.target != deployment || !matches!(r.phase.as_str(), "end" | "event") {
                continue;
            }
            let Ok(at) = clock::parse_rfc3339(&r.at) else {
                continue;
            };
            if at < window_start || at > now + Duration::from_secs(60) {
                continue;
            }
            let result = r.result.as_deref().unwrap_or("");
            let Some(roles) = &r.role else { continue };
            match r.action.as_str() {
                "escalate" if matches!(result, "ok" | "partial" | "manual") => {
                    inc.escalations.push(Contact {
                        role: roles.clone(),
                        at: r.at.clone(),
                        result: result.into(),
                    });
                }
                "acknowledge" if matches!(result, "ok" | "partial" | "manual") => {
                    for role in roles.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        inc.acknowledgements.push(Contact {
                            role: role.into(),
                            at: r.at.clone(),
                            result: result.into(),
                        });
                    }
                }
                // Only a resolve that reached everyone it was for closes the incident.
                "resolve" if matches!(result, "ok" | "manual") => {
                    inc.escalations.clear();
                    inc.acknowledgements.clear();
                    inc.since = r.at.clone();
                    inc.last_resolved = Some(r.at.clone());
                }
                _ => {}
            }
        }
        inc
    }

    pub fn is_open(&self) -> bool {
        !self.escalations.is_empty()
    }

    pub fn last_paged(&self) -> Option<&str> {
        self.escalations.last().map(|c| c.role.as_str())
    }

    pub fn was_paged(&self, role: &str) -> bool {
        self.escalations.iter().any(|c| c.role == role)
    }

    /// The roles escalated to, each once, in the order first reached.
    pub fn paged_roles(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.escalations {
            if !out.contains(&c.role) {
                out.push(c.role.clone());
            }
        }
        out
    }

    /// The role after the last one paged; the head of the chain when none was. When the last
    /// one paged is no longer in the chain, the first role not yet paged.
    pub fn next_role<'a>(&self, chain: &'a [Role]) -> Next<'a> {
        let Some(last) = self.last_paged() else {
            return match chain.first() {
                Some(r) => Next::Role(r),
                None => Next::Exhausted {
                    last: String::new(),
                },
            };
        };
        let after = match chain.iter().position(|r| r.id == last) {
            Some(i) => chain.get(i + 1),
            None => chain.iter().find(|r| !self.was_paged(&r.id)),
        };
        match after {
            Some(r) => Next::Role(r),
            None => Next::Exhausted { last: last.into() },
        }
    }
}

/// Who to escalate to for a cause that needs a person, and the exact command.
#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    pub need: Need,
    /// The cause it is for (its id in the verdict).
    pub cause: String,
    /// Why it needs a person, in words.
    pub why: String,
    /// The role id; None when every role has been paged in this incident.
    pub role: Option<String>,
    pub name: Option<String>,
    pub contact: Option<String>,
    /// The command that escalates.
    pub command: String,
}

/// For the likeliest cause that needs a person: the first role whose `handles` names that need
/// and that has not been paged in this incident; else the next role of the chain.
pub fn suggest(
    cause_ids: impl IntoIterator<Item = CauseId>,
    chain: &[Role],
    incident: &Incident,
) -> Option<Suggestion> {
    let (cause, (need, why)) = cause_ids
        .into_iter()
        .find_map(|id| super::need_of(id).map(|n| (id, n)))?;
    let fitting = chain
        .iter()
        .find(|r| r.handles.contains(&need) && !incident.was_paged(&r.id));
    let role = fitting.or(match incident.next_role(chain) {
        Next::Role(r) => Some(r),
        Next::Exhausted { .. } => None,
    });
    Some(Suggestion {
        need,
        cause: cause.to_string(),
        why: why.into(),
        role: role.map(|r| r.id.clone()),
        name: role.map(|r| r.name.clone()),
        contact: role.and_then(|r| r.contact.clone()),
        command: match role {
            Some(r) => format!("cleanops escalate {}", r.id),
            None => {
                "cleanops escalate ROLE   # every role of the chain has been paged in this incident"
                    .into()
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::roles::runbook_chain;

    const DEP: &str = "https://api.example / project cleaning";

    fn rec(at: &str, phase: &str, action: &str, role: Option<&str>, result: &str) -> AuditRecord {
        AuditRecord {
            at: at.into(),
            phase: phase.into(),
            id: "x".into(),
            user: "u".into(),
            host: "h".into(),
            command: "cleanops".into(),
            action: action.into(),
            target: DEP.into(),
            result: Some(result.into()),
            detail: None,
            duration_seconds: None,
            role: role.map(str::to_string),
        }
    }

    fn now() -> OffsetDateTime {
        clock::parse_rfc3339("2026-04-05T20:30:00Z").unwrap()
    }

    #[test]
    fn the_incident_is_what_was_escalated_since_the_last_resolve() {
        let chain = runbook_chain();
        let none = Incident::from_records(&[], DEP, now());
        assert_eq!(none.next_role(&chain), Next::Role(&chain[0]));
        let records = vec![
            // An earlier incident, resolved.
            rec(
                "2026-04-05T10:00:00Z",
                "end",
                "escalate",
                Some("primary"),
                "ok",
            ),
            rec(
                "2026-04-05T10:05:00Z",
                "end",
                "escalate",
                Some("secondary"),
                "ok",
            ),
            rec(
                "2026-04-05T11:00:00Z",
                "end",
                "resolve",
                Some("primary, secondary"),
                "ok",
            ),
            // This one: primary paged, a failed page of secondary does not count.
            rec(
                "2026-04-05T20:00:00Z",
                "end",
                "escalate",
                Some("primary"),
                "ok",
            ),
            rec(
                "2026-04-05T20:10:00Z",
                "end",
                "escalate",
                Some("secondary"),
                "failed",
            ),
            rec(
                "2026-04-05T20:11:00Z",
                "start",
                "escalate",
                Some("tertiary"),
                "",
            ),
            rec(
                "2026-04-05T20:12:00Z",
                "end",
                "acknowledge",
                Some("primary"),
                "ok",
            ),
        ];
        let inc = Incident::from_records(&records, DEP, now());
        assert_eq!(inc.paged_roles(), ["primary"]);
        assert_eq!(inc.since, "2026-04-05T11:00:00Z");
        assert_eq!(inc.acknowledgements.len(), 1);
        assert_eq!(inc.next_role(&chain), Next::Role(&chain[1]));
        // Another deployment's records are not this incident's.
        let mut other = records.clone();
        for r in &mut other {
            r.target = "https://other / project x".into();
        }
        assert!(!Incident::from_records(&other, DEP, now()).is_open());
        // A failed resolve does not close it; the whole chain paged is exhausted.
        let mut more = records.clone();
        more.push(rec(
            "2026-04-05T20:20:00Z",
            "end",
            "resolve",
            Some("primary"),
            "failed",
        ));
        more.push(rec(
            "2026-04-05T20:21:00Z",
            "event",
            "escalate",
            Some("secondary"),
            "manual",
        ));
        more.push(rec(
            "2026-04-05T20:22:00Z",
            "end",
            "escalate",
            Some("tertiary"),
            "partial",
        ));
        let inc = Incident::from_records(&more, DEP, now());
        assert_eq!(inc.paged_roles(), ["primary", "secondary", "tertiary"]);
        assert_eq!(
            inc.next_role(&chain),
            Next::Exhausted {
                last: "tertiary".into()
            }
        );
    }

    #[test]
    fn an_incident_older_than_the_window_is_over() {
        let records = vec![rec(
            "2026-04-04T19:00:00Z",
            "end",
            "escalate",
            Some("primary"),
            "ok",
        )];
        assert!(!Incident::from_records(&records, DEP, now()).is_open());
    }

    #[test]
    fn the_suggestion_fits_the_need_and_skips_who_was_paged() {
        let chain = runbook_chain();
        let inc = Incident::default();
        let s = suggest(
            [CauseId::JobsContainerDown, CauseId::DatabaseUnreachable],
            &chain,
            &inc,
        )
        .unwrap();
        assert_eq!(s.need, Need::Infrastructure);
        assert_eq!(s.cause, "database-unreachable");
        assert_eq!(s.command, "cleanops escalate tertiary");
        assert!(
            suggest(
                [CauseId::JobsContainerDown, CauseId::DlqBacklog],
                &chain,
                &inc
            )
            .is_none()
        );
        let s = suggest([CauseId::CrashLoop], &chain, &inc).unwrap();
        assert_eq!(s.role.as_deref(), Some("secondary"));
        // Secondary already paged: the next role after the last one paged.
        let records = vec![rec(
            "2026-04-05T20:00:00Z",
            "end",
            "escalate",
            Some("secondary"),
            "ok",
        )];
        let inc = Incident::from_records(&records, DEP, now());
        let s = suggest([CauseId::CrashLoop], &chain, &inc).unwrap();
        assert_eq!(s.role.as_deref(), Some("tertiary"));
        let records = vec![rec(
            "2026-04-05T20:00:00Z",
            "end",
            "escalate",
            Some("tertiary"),
            "ok",
        )];
        let inc = Incident::from_records(&records, DEP, now());
        let s = suggest([CauseId::ClockDrift], &chain, &inc).unwrap();
        assert_eq!(s.role, None);
        assert!(s.command.contains("ROLE"));
    }
}
