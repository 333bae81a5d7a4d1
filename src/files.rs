//! Reading the local files a user points cleanops at (password file, env file, config, CA
//! certificate, compose file): regular files only, under a size cap, so that `/dev/zero`, a FIFO
//! or a log file named by mistake ends in a clear error instead of hanging or eating memory.

use std::io::{self, Read};
use std::path::Path;

/// No file cleanops reads is anywhere near this (a CA bundle is about 200 KiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The whole file, when it is a regular file of at most [`MAX_FILE_BYTES`]. Errors say what the
/// path is instead (a FIFO, a device, a directory) or the cap; callers add the path and purpose.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", kind_of(&meta)),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    // It may have grown between the look and the read.
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text, without the byte-order mark some editors write first (compose and
/// `cat` users expect such a file to read the same as one without).
pub fn read_text(path: &Path) -> io::Result<String> {
    let bytes = read(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Readable by every user of the machine, as ssh warns about private keys.
pub fn world_readable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o004 != 0)
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "larger than {} MiB, which no file cleanops reads should be",
            MAX_FILE_BYTES / 1024 / 1024
        ),
    )
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok");
        std::fs::write(&ok, "\u{feff}secret\n").unwrap();
        assert_eq!(read_text(&ok).unwrap(), "secret\n");
        let e = read(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        let e = read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let big = dir.path().join("big");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(read(&big).unwrap_err().to_string().contains("larger than"));
    }
}
