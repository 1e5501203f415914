//! The layout of a site's data folder (`--data DIR`) and the small files in it.
//!
//! Owns the file names, so the CLI, the node and the tests agree on where things are. Secrets
//! (`site.key`, `operator.token`) are written with mode 0600 and refused when others can read
//! them. Everything else a node keeps lives in `store.redb`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Shortest operator token accepted (the ones `tiepdan init` makes have 48).
pub const TOKEN_CHARS_MIN: usize = 16;

/// A site's data folder.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error(
        "{path} is readable by other users (mode {mode:o}); run `chmod 600 {path}` and start again"
    )]
    TooOpen { path: String, mode: u32 },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The Ed25519 seed (hex). One seed gives the PeerId and the certificate key.
    pub fn key_path(&self) -> PathBuf {
        self.root.join("site.key")
    }
    /// The bearer token for this node's API.
    pub fn token_path(&self) -> PathBuf {
        self.root.join("operator.token")
    }
    /// The certificate request `tiepdan init` writes for the parent.
    pub fn request_path(&self) -> PathBuf {
        self.root.join("request.pem")
    }
    /// The chain the parent issued (for central: the self-signed root).
    pub fn chain_path(&self) -> PathBuf {
        self.root.join("chain.pem")
    }
    /// The chain this node presents in TLS: leaf first, root last.
    pub fn tls_chain_path(&self) -> PathBuf {
        self.root.join("tls-chain.pem")
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join("tiepdan.toml")
    }
    pub fn store_path(&self) -> PathBuf {
        self.root.join("store.redb")
    }
    /// Written by a running node: its bound addresses, so CLI commands can reach its API.
    pub fn runtime_path(&self) -> PathBuf {
        self.root.join("run.json")
    }

    pub fn create(&self) -> Result<(), DataDirError> {
        fs::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        Ok(())
    }

    /// Writes a file readable by its owner only, atomically (temp file + rename).
    pub fn write_secret(&self, path: &Path, bytes: &[u8]) -> Result<(), DataDirError> {
        let tmp = path.with_extension("tmp");
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, path).map_err(io_err(path))?;
        Ok(())
    }

    /// Writes a public file atomically.
    pub fn write_public(&self, path: &Path, bytes: &[u8]) -> Result<(), DataDirError> {
        let tmp = path.with_extension("tmp");
        let mut f = fs::File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, path).map_err(io_err(path))?;
        Ok(())
    }

    /// Reads a secret, refusing it when group or others may read it.
    pub fn read_secret(&self, path: &Path) -> Result<String, DataDirError> {
        let meta = fs::metadata(path).map_err(io_err(path))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(DataDirError::TooOpen {
                path: path.display().to_string(),
                mode,
            });
        }
        let text = fs::read_to_string(path).map_err(io_err(path))?;
        Ok(text.trim().to_owned())
    }

    /// The operator token. An empty one would let an empty bearer token in as the operator.
    pub fn read_token(&self) -> Result<String, DataDirError> {
        let path = self.token_path();
        let token = self.read_secret(&path)?;
        if token.len() < TOKEN_CHARS_MIN {
            return Err(DataDirError::Invalid(format!(
                "{} holds no usable operator token (it needs at least {TOKEN_CHARS_MIN} characters; an empty one would let anyone in as the operator): delete the file and run `tiepdan init` again, or write a new random token into it (`head -c 24 /dev/urandom | xxd -p -c 48`)",
                path.display()
            )));
        }
        Ok(token)
    }

    pub fn read_text(&self, path: &Path) -> Result<String, DataDirError> {
        fs::read_to_string(path).map_err(io_err(path))
    }

    /// The operator token, created on first use.
    pub fn ensure_token(&self) -> Result<String, DataDirError> {
        let path = self.token_path();
        if path.exists() {
            return self.read_secret(&path);
        }
        let token = hex::encode(rand::random::<[u8; 24]>());
        self.write_secret(&path, format!("{token}\n").as_bytes())?;
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_0600_and_open_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::new(dir.path());
        let token = d.ensure_token().unwrap();
        let mode = fs::metadata(d.token_path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(d.ensure_token().unwrap(), token);
        fs::set_permissions(d.token_path(), fs::Permissions::from_mode(0o644)).unwrap();
        let err = d.read_secret(&d.token_path()).unwrap_err();
        assert!(
            matches!(err, DataDirError::TooOpen { mode: 0o644, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 600"));
    }
}
