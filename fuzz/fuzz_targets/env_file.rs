//! The deployment's env file, any bytes, read the way cleanops reads it (from a file), then the
//! rules and the masking applied to what it holds.

use std::sync::OnceLock;

use cleanops::config::EnvFile;
use cleanops::envcheck::{db_host, is_secret, shown};

fn path() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cleanops-fuzz-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir.join(".env")
    })
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let p = path();
        std::fs::write(p, data).expect("the scratch file");
        let env = EnvFile::read(p);
        for (name, value) in &env.vars {
            let seen = shown(name, value);
            if is_secret(name) && value.len() >= 8 && !name.eq_ignore_ascii_case("DATABASE_URL") {
                assert!(!seen.contains(value.as_str()), "a secret shown");
            }
            let _ = db_host(value);
        }
    });
}
