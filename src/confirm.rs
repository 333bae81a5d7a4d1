//! Asking before a mutation: on a terminal, a question; off one, `--yes` or exit 6.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Result;

use crate::cli::MutateArgs;
use crate::error::{Exit, Failure};
use crate::render::Ui;

/// Refuse at once, before any slow preparation, when [`confirm`] will not be able to ask.
pub fn ensure_askable(ui: &Ui, mutate: &MutateArgs, question: &str) -> Result<()> {
    if mutate.yes || mutate.dry_run {
        return Ok(());
    }
    cannot_ask(ui, question)
}

fn cannot_ask(ui: &Ui, question: &str) -> Result<()> {
    if ui.json || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::new(
            Exit::Refused,
            format!("{question} — not confirmed: no terminal to ask on"),
        )
        .hint("pass --yes to do it without asking, or --dry-run to see what it would do")
        .into());
    }
    Ok(())
}

/// Go ahead only when told to (`--yes`) or when the person at the terminal says yes.
pub fn confirm(ui: &Ui, mutate: &MutateArgs, question: &str) -> Result<()> {
    if mutate.yes {
        return Ok(());
    }
    cannot_ask(ui, question)?;
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Failure::new(Exit::Refused, "not confirmed: nothing was done").into()),
    }
}
