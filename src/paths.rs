//! Where cleanops keeps its files, the XDG way, in one place: the config file under
//! `$XDG_CONFIG_HOME/cleanops` (else `~/.config/cleanops`), and its state (the audit file, the
//! replay journal and locks, the per-API memory) under `$XDG_STATE_HOME/cleanops` (else
//! `~/.local/state/cleanops`).

use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/cleanops`, else `~/.config/cleanops`; None without either variable.
pub fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    xdg(env, "XDG_CONFIG_HOME", &[".config"])
}

/// `$XDG_STATE_HOME/cleanops`, else `~/.local/state/cleanops`; None without either variable.
pub fn state_dir() -> Option<PathBuf> {
    let env = |name: &str| std::env::var(name).ok();
    xdg(&env, "XDG_STATE_HOME", &[".local", "state"])
}

fn xdg(env: &dyn Fn(&str) -> Option<String>, var: &str, under_home: &[&str]) -> Option<PathBuf> {
    let base = env(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| under_home.iter().fold(PathBuf::from(h), |p, d| p.join(d)))
        })?;
    Some(base.join("cleanops"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_variables_win_over_home_and_empty_ones_do_not_count() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/ops".to_string()),
            "XDG_CONFIG_HOME" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            config_dir(&env),
            Some(PathBuf::from("/home/ops/.config/cleanops"))
        );
        let env = |k: &str| (k == "XDG_CONFIG_HOME").then(|| "/etc/xdg".to_string());
        assert_eq!(config_dir(&env), Some(PathBuf::from("/etc/xdg/cleanops")));
        assert_eq!(config_dir(&|_| None), None);
        let env = |k: &str| (k == "HOME").then(|| "/root".to_string());
        assert_eq!(
            xdg(&env, "XDG_STATE_HOME", &[".local", "state"]),
            Some(PathBuf::from("/root/.local/state/cleanops"))
        );
    }
}
