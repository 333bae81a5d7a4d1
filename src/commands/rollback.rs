//! `cleanops rollback --to SHA`: the runbook's rollback (`git reset --hard <good_sha>` then
//! `./ops/deploy.sh`), with what the runbook leaves out: the commits that would be dropped, a
//! refusal on a dirty work tree, and readiness afterwards. A dry run unless `--yes`.

use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::Ctx;
use crate::cli::RollbackArgs;
use crate::error::{Exit, Failure};
use crate::render::{self, Mark};

fn git(dir: &Path, args: &[&str]) -> Result<(bool, String)> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Failure::usage(format!("cannot run git: {e}")))?;
    let text = String::from_utf8_lossy(if out.status.success() {
        &out.stdout
    } else {
        &out.stderr
    })
    .trim()
    .to_string();
    Ok((out.status.success(), text))
}

pub async fn run(ctx: &Ctx, args: &RollbackArgs) -> Result<Exit> {
    let dir = ctx.settings.project_dir.value.clone();
    if !dir.join(".git").exists() {
        return Err(Failure::usage(format!(
            "{} is not a git work tree (project directory)",
            dir.display()
        ))
        .into());
    }
    let (ok, target) = git(
        &dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{}^{{commit}}", args.to),
        ],
    )?;
    if !ok || target.is_empty() {
        return Err(Failure::usage(format!(
            "{:?} is not a commit of {}",
            args.to,
            dir.display()
        ))
        .into());
    }
    let (_, head) = git(&dir, &["rev-parse", "HEAD"])?;
    let (ancestor, _) = git(&dir, &["merge-base", "--is-ancestor", &target, "HEAD"])?;
    if !ancestor {
        return Err(Failure::usage(format!(
            "{} is not an ancestor of HEAD ({}): that would not be a rollback",
            &target[..12.min(target.len())],
            &head[..12.min(head.len())]
        ))
        .into());
    }
    let (_, dropped) = git(
        &dir,
        &[
            "log",
            "--oneline",
            "--no-decorate",
            &format!("{target}..HEAD"),
        ],
    )?;
    let dropped: Vec<&str> = dropped.lines().filter(|l| !l.is_empty()).collect();
    let (_, dirty) = git(&dir, &["status", "--porcelain"])?;
    let deploy = dir.join(&args.deploy);
    let short = &target[..12.min(target.len())];
    let mut plan = format!(
        "rollback of {} to {short}: drops {} commit(s)\n",
        dir.display(),
        dropped.len()
    );
    for c in &dropped {
        plan.push_str(&format!("  - {c}\n"));
    }
    plan.push_str(&format!(
        "then: git reset --hard {short} && {}, and wait for /readyz\n",
        deploy.display()
    ));
    if !dirty.is_empty() {
        // Uncommitted changes would be lost by the reset: refuse, whatever --yes says.
        return Err(Failure::new(
            Exit::Unhealthy,
            format!("refusing: the work tree of {} has uncommitted changes that git reset --hard would destroy:\n{dirty}", dir.display()),
        )
        .hint("commit or stash them first (git -C <dir> stash), then roll back")
        .into());
    }
    if !deploy.exists() {
        return Err(Failure::usage(format!("no deploy script at {}", deploy.display())).into());
    }
    if !args.yes {
        if ctx.ui.json {
            render::json(
                &json!({"dry_run": true, "to": target, "head": head, "dropped": dropped, "deploy": deploy.display().to_string()}),
            );
        } else {
            render::out(&format!(
                "{plan}dry run: nothing was changed; pass --yes to do it"
            ));
        }
        return Ok(Exit::Ok);
    }

    if !ctx.ui.json {
        eprint!("{plan}");
    }
    let action = crate::audit::start(
        "rollback",
        &format!(
            "{} {} → {short}",
            dir.display(),
            &head[..12.min(head.len())]
        ),
    );
    let (reset, said) = git(&dir, &["reset", "--hard", &target])?;
    if !reset {
        action.end("failed", format!("git reset: {said}"));
        return Err(Failure::new(
            Exit::Unhealthy,
            format!("git reset --hard {short} failed: {said}"),
        )
        .into());
    }
    // The deploy script's output goes to stderr, so --json stays one document on stdout.
    let status = Command::new(&deploy)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?))
        .status()
        .map_err(|e| {
            Failure::new(
                Exit::Unhealthy,
                format!("cannot run {}: {e}", deploy.display()),
            )
        });
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            action.end("failed", format!("{e}"));
            return Err(e.into());
        }
    };
    if !status.success() {
        action.end("failed", format!("deploy exited {:?}", status.code()));
        return Err(Failure::new(
            Exit::Unhealthy,
            format!(
                "{} exited {:?}: the code is at {short}, the deploy did not finish",
                deploy.display(),
                status.code()
            ),
        )
        .into());
    }
    // Then readiness, as the runbook's last step.
    let client = ctx.client()?;
    let ready = crate::wait::until(
        &client,
        &ctx.ui,
        args.wait,
        Duration::from_secs(2),
        "/readyz to be ready after the deploy",
        |s| s.readiness.ok,
        |_| "not ready yet".into(),
    )
    .await;
    let (exit, line) = match &ready {
        Ok((_, waited)) => (
            Exit::Ok,
            format!(
                "ready {} after the deploy",
                crate::clock::human(waited.as_secs_f64())
            ),
        ),
        Err(e) => (Exit::Unhealthy, format!("{e:#}")),
    };
    action.end(if exit == Exit::Ok { "ok" } else { "not ready" }, &line);
    if ctx.ui.json {
        render::json(
            &json!({"dry_run": false, "to": target, "dropped": dropped, "deployed": true, "ready": exit == Exit::Ok, "detail": line}),
        );
    } else {
        let mark = if exit == Exit::Ok {
            Mark::Ok
        } else {
            Mark::Failed
        };
        render::out(&format!(
            "{} rolled back to {short} and deployed; {line}",
            mark.symbol()
        ));
    }
    Ok(exit)
}
