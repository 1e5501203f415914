//! Site key files: the 32-byte seed as one line of hex, readable by its owner only.
//!
//! Owns [`SiteKey::save`] (temp file created with mode 0600, then renamed into place) and
//! [`SiteKey::load`] (refuses files other users could read, and explains missing or garbled
//! files).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::identity::SiteKey;

/// A key file is never larger than this; anything bigger is not ours.
const MAX_KEY_FILE: u64 = 4096;

/// Problems reading or writing a site key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("site key file {path} does not exist; create one with the node's key generation command, or point the node at the right data folder")]
    Missing { path: PathBuf },
    #[error("site key file {path} is readable by other users (mode {mode:04o}); run `chmod 600 {path}` and start again")]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("site key file {path} is garbled: {detail}; it must contain exactly 64 hexadecimal characters (the Ed25519 seed). Restore it from backup — a new key means a new identity and new certificates")]
    Garbled { path: PathBuf, detail: String },
    #[error("refusing to overwrite the existing site key file {path}: it holds this site's identity. Move it away first if you really mean to replace it")]
    AlreadyExists { path: PathBuf },
    #[error("could not {action} site key file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> KeyFileError + 'a {
    move |source| KeyFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

impl SiteKey {
    /// Writes the seed as hex to a new file at `path` with mode 0600. Refuses to replace an
    /// existing key file. The write goes to a temporary file in the same folder which is then
    /// renamed, so a crash never leaves a half-written key.
    pub fn save(&self, path: &Path) -> Result<(), KeyFileError> {
        if path.exists() {
            return Err(KeyFileError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| KeyFileError::Io {
                action: "write",
                path: path.to_path_buf(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
            })?;
        let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
        // A leftover from a crashed attempt by this same process id is ours to remove.
        let _ = fs::remove_file(&tmp);
        let mut text = hex::encode(self.seed());
        text.push('\n');
        let result = (|| {
            let mut file = create_private(&tmp).map_err(io_err("create", &tmp))?;
            file.write_all(text.as_bytes())
                .map_err(io_err("write", &tmp))?;
            file.sync_all().map_err(io_err("flush", &tmp))?;
            drop(file);
            fs::rename(&tmp, path).map_err(io_err("move into place", path))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // Make the rename durable; some filesystems cannot sync folders, which is fine.
                if let Ok(d) = fs::File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok(())
        })();
        // Overwrite our in-memory copy of the secret.
        text.clear();
        text.extend(std::iter::repeat_n('0', 65));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Reads a key file written by [`SiteKey::save`]. Refuses files that other users could read.
    pub fn load(path: &Path) -> Result<SiteKey, KeyFileError> {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(KeyFileError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Err(io_err("inspect", path)(e)),
        };
        if !meta.is_file() {
            return Err(KeyFileError::Garbled {
                path: path.to_path_buf(),
                detail: "it is not a regular file".into(),
            });
        }
        check_private(path, &meta)?;
        if meta.len() > MAX_KEY_FILE {
            return Err(KeyFileError::Garbled {
                path: path.to_path_buf(),
                detail: format!("it is {} bytes long", meta.len()),
            });
        }
        let bytes = fs::read(path).map_err(io_err("read", path))?;
        let garbled = |detail: String| KeyFileError::Garbled {
            path: path.to_path_buf(),
            detail,
        };
        let text = std::str::from_utf8(&bytes).map_err(|_| garbled("it is not text".into()))?;
        let hex_text = text.trim();
        if hex_text.len() != 64 {
            return Err(garbled(format!(
                "found {} characters instead of 64",
                hex_text.len()
            )));
        }
        let mut seed = [0u8; 32];
        hex::decode_to_slice(hex_text, &mut seed)
            .map_err(|e| garbled(format!("not hexadecimal ({e})")))?;
        let key = SiteKey::from_seed(seed);
        seed.fill(0);
        Ok(key)
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &fs::Metadata) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &fs::Metadata) -> Result<(), KeyFileError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn saved_key_is_0600_and_loads_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("site.key");
        let key = SiteKey::generate();
        key.save(&path).expect("save");
        let mode = fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let loaded = SiteKey::load(&path).expect("load");
        assert_eq!(loaded.seed(), key.seed());
        // No temp file left behind.
        assert_eq!(fs::read_dir(dir.path()).expect("read dir").count(), 1);
        // Never overwrite an identity.
        assert!(matches!(
            SiteKey::generate().save(&path),
            Err(KeyFileError::AlreadyExists { .. })
        ));
        assert_eq!(SiteKey::load(&path).expect("load").seed(), key.seed());
    }

    #[cfg(unix)]
    #[test]
    fn load_refuses_world_readable_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("site.key");
        SiteKey::generate().save(&path).expect("save");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        match SiteKey::load(&path) {
            Err(e @ KeyFileError::TooOpen { mode: 0o644, .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("mode 0644"), "{msg}");
                assert!(msg.contains("chmod 600"), "{msg}");
            }
            other => panic!("expected TooOpen, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_garbled_files_are_explained() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nope.key");
        assert!(matches!(
            SiteKey::load(&path),
            Err(KeyFileError::Missing { .. })
        ));
        for content in ["", "zz", &"g".repeat(64), &"ab".repeat(40)] {
            let p = dir.path().join("bad.key");
            let _ = fs::remove_file(&p);
            create_private(&p)
                .expect("create")
                .write_all(content.as_bytes())
                .expect("write");
            assert!(
                matches!(SiteKey::load(&p), Err(KeyFileError::Garbled { .. })),
                "{content:?} should be garbled"
            );
        }
    }
}
