//! `cleanops man`: man pages generated from the clap definition (clap_mangen), one per
//! subcommand, printed or written as the pages checked in under `docs/man/`.

use anyhow::Result;
use serde_json::json;

use super::completions::{definition, report_written, write_files};
use crate::cli::ManArgs;
use crate::error::{Exit, Failure};
use crate::render::{self, Ui};

/// Every page, `(file name, roff)`, sorted by name: `cleanops.1`, then `cleanops-SUB.1` and
/// `cleanops-SUB-SUBSUB.1` for each visible subcommand (hidden ones and `help` have none).
pub fn pages() -> Vec<(String, String)> {
    fn collect(cmd: clap::Command, out: &mut Vec<(String, String)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            collect(sub, out);
        }
        let man = clap_mangen::Man::new(cmd)
            .source(format!("cleanops {}", env!("CARGO_PKG_VERSION")))
            .manual("cleanops manual");
        let mut roff = Vec::new();
        man.render(&mut roff)
            .expect("rendering into memory cannot fail");
        out.push((
            man.get_filename(),
            String::from_utf8_lossy(&roff).into_owned(),
        ));
    }
    let mut cmd = definition().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    collect(cmd, &mut out);
    out.sort();
    out
}

pub fn run(args: &ManArgs, ui: Ui) -> Result<Exit> {
    let pages = pages();
    if let Some(dir) = &args.dir {
        let written = write_files(dir, &pages)?;
        report_written(&ui, dir, &written);
        return Ok(Exit::Ok);
    }
    // `sim serve` and `sim-serve` both name cleanops-sim-serve.1.
    let name = match args.command.join("-") {
        key if key.is_empty() => "cleanops.1".to_owned(),
        key => format!("cleanops-{key}.1"),
    };
    let Some((_, roff)) = pages.iter().find(|(n, _)| *n == name) else {
        let known: Vec<String> = pages
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("cleanops-")?.strip_suffix(".1"))
            .map(str::to_owned)
            .collect();
        return Err(Failure::usage(format!(
            "no man page for `cleanops {}`",
            args.command.join(" ")
        ))
        .hint(format!("pages: {}", known.join(", ")))
        .into());
    };
    if ui.json {
        render::json(&json!({"page": name, "roff": roff}));
    } else {
        render::out(roff);
    }
    Ok(Exit::Ok)
}
