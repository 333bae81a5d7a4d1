//! `cleanops env-check`: the env file against the rules, and against the running jobs container.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::api::jobs::runner_interval;
use crate::cli::EnvCheckArgs;
use crate::docker::compose::{self, LABEL_SERVICE};
use crate::envcheck::{self, Context, Drift};
use crate::error::{Exit, Failure};
use crate::render::{self, Fit::*, Mark};

/// The most characters of one reading or note shown to a person: cleanops' sentence around
/// strings from the engine (service names, errors), escaped and bounded.
const MAX_LINE: usize = 1000;

pub async fn run(ctx: &Ctx, args: &EnvCheckArgs) -> Result<Exit> {
    let s = &ctx.settings;
    let path = s.env_file.value.display().to_string();
    if let Some(problem) = &s.env.problem {
        // A file that cannot be read or parsed is the finding: say where, and stop there.
        return Err(Failure::new(Exit::Unhealthy, format!("env file {path}: {problem}"))
            .hint("compose reads the same file (env_file and ${...} interpolation): fix it before anything else")
            .into());
    }

    // The running jobs container: its loop interval, its environment, the project's services.
    let mut engine_note = None;
    let mut jobs = None;
    let mut services: Option<BTreeSet<String>> = None;
    if !args.no_drift {
        match ctx.engine().await {
            Err(e) => engine_note = Some(format!("drift not checked: {e:#}")),
            Ok(engine) => {
                let project = &s.project_name.value;
                let list = compose::project_containers(&engine, project).await?;
                services = Some(
                    list.iter()
                        .filter_map(|c| c.labels.as_ref()?.get(LABEL_SERVICE).cloned())
                        .collect(),
                );
                match compose::service_containers(&engine, project, "jobs")
                    .await?
                    .into_iter()
                    .next()
                {
                    Some(c) => jobs = Some(c),
                    None => {
                        engine_note = Some(format!(
                            "drift not checked: no jobs container in project {project}"
                        ))
                    }
                }
            }
        }
    }
    let findings = envcheck::check_rules(
        &s.env,
        &Context {
            loop_interval: jobs.as_ref().map(|c| runner_interval(&c.command)),
            services: services.as_ref().filter(|s| !s.is_empty()),
            env_file_path: &path,
        },
    );
    let drift: Vec<Drift> = jobs
        .as_ref()
        .map(|c| envcheck::drift(&s.env, &c.env_map()))
        .unwrap_or_default();

    let failed = findings.iter().any(|f| f.mark == Mark::Failed) || !drift.is_empty();
    let exit = if failed { Exit::Unhealthy } else { Exit::Ok };
    let recreate = format!(
        "cd {} && {} up -d jobs",
        s.project_dir.value.display(),
        crate::docker::compose::cli()
    );
    if ctx.ui.json {
        render::json(&json!({
            "env_file": path,
            "rules": findings,
            "container": jobs.as_ref().map(|c| &c.name),
            "drift": drift,
            "drift_checked": jobs.is_some(),
            "note": engine_note,
            "fix_drift": (!drift.is_empty()).then_some(&recreate),
        }));
        return Ok(exit);
    }
    let mut out = format!("env file {path}\n");
    let mut table = ctx
        .ui
        .table(&[("", Keep), ("RULE", Keep), ("READING", Shorten)]);
    for f in &findings {
        // The reading may name the compose project's services, as the engine reports them.
        table.add_row([
            f.mark.symbol(),
            f.rule.clone(),
            f.mark.paint(&render::shown_max(&f.detail, MAX_LINE)),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    for f in findings.iter().filter(|f| f.mark == Mark::Failed) {
        if let Some(fix) = &f.fix {
            out.push_str(&ctx.ui.next_command(fix));
            out.push('\n');
        }
    }
    match (&jobs, &engine_note) {
        (_, Some(note)) => out.push_str(&format!(
            "{} {}\n",
            Mark::Warning.symbol(),
            render::shown_max(note, MAX_LINE)
        )),
        (Some(c), None) if drift.is_empty() => out.push_str(&format!(
            "{} the running {} has the file's values\n",
            Mark::Ok.symbol(),
            render::shown(&c.name)
        )),
        (Some(c), None) => {
            out.push_str(&format!(
                "{} {}\n",
                Mark::Failed.symbol(),
                Mark::Failed.paint(&format!(
                    "drift: the file was edited but {} still runs with the old values",
                    render::shown(&c.name)
                ))
            ));
            // The values are what the user compares: whole, like identifiers.
            let mut t = ctx.ui.table(&[
                ("VARIABLE", Keep),
                ("IN THE FILE", Keep),
                ("IN THE CONTAINER", Keep),
            ]);
            for d in &drift {
                t.add_row([
                    render::shown(&d.name).into_owned(),
                    render::shown(&d.in_file).into_owned(),
                    render::shown(&d.in_container).into_owned(),
                ]);
            }
            out.push_str(&t.to_string());
            out.push('\n');
            out.push_str("  a restart does not re-read env_file; re-create the container:\n");
            out.push_str(&ctx.ui.next_command(&recreate));
            out.push('\n');
        }
        (None, None) => {}
    }
    render::out(&out);
    Ok(exit)
}
