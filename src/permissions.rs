//! File modes of the data directory and its key files (issue 13 item 7; docs/operations.md).
//! The directory holds the log's and the first admin's private keys: it is created `0700` and
//! the keys `0600` (`keys::write_pem`). An operator may loosen either later (a backup job, a
//! `cp` without `-p`); the server still starts, but says so at every start, naming the file and
//! its mode, so that the loosening is noticed. Modes are checked, not access: root reads
//! everything anyway, and the warning is about who else can.

use std::path::{Path, PathBuf};

/// A private file or directory that others than its owner may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LooseMode {
    pub path: PathBuf,
    /// The permission bits (`0o640`…).
    pub mode: u32,
}

impl std::fmt::Display for LooseMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} has mode {:04o}: group or others may read it; it holds private keys, make it {}",
            self.path.display(),
            self.mode,
            if self.path.is_dir() { "0700" } else { "0600" }
        )
    }
}

/// Creates `dir` readable by its owner only (missing parents with the usual mode: they may
/// be shared); an existing directory is left as it is, and reported by [`loose_modes`].
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        // Another process starting at the same time made it first.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Those of `paths` whose mode lets group or others read (or enter) them.
pub fn loose_modes(paths: &[&Path]) -> Vec<LooseMode> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        paths
            .iter()
            .filter_map(|path| {
                let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
                (mode & 0o077 != 0).then(|| LooseMode {
                    path: path.to_path_buf(),
                    mode,
                })
            })
            .collect()
    }
    #[cfg(not(unix))]
    {
        let _ = paths;
        Vec::new()
    }
}
