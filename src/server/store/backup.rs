//! An online copy of the SQLite database: `VACUUM INTO` reads one consistent snapshot (a
//! read transaction, which WAL mode lets run beside the server's writes) and writes it as a
//! new, compact database file (sqlite.org/lang_vacuum.html, "VACUUM INTO").

use std::{
    path::{Path, PathBuf},
    str::FromStr,
};

use sqlx::{
    ConnectOptions, Connection,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

/// Why a backup was not made. Nothing is left behind when it is not.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: name a new file (a backup never overwrites one)")]
    Exists(String),
    #[error(
        "cannot open the SQLite database ({0}): start the server once to create it, or set data_dir or database_url to where it is"
    )]
    NoDatabase(String),
    #[error(
        "cannot write {path}: {reason} (does its directory exist, with room and write permission?)"
    )]
    Write { path: String, reason: String },
}

/// Writes a consistent copy of the SQLite database at `url` to `file`, which must not
/// exist, and returns its size in bytes. The copy is made under a temporary name beside
/// `file`, readable by its owner only (it holds the tokens' digests and sealed secrets),
/// and linked to `file` once whole: an interrupted backup leaves no `file` half-written.
pub async fn backup_sqlite(url: &str, file: &Path) -> Result<u64, BackupError> {
    let shown = file.display().to_string();
    if file.exists() {
        return Err(BackupError::Exists(shown));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|error| BackupError::NoDatabase(error.to_string()))?
        .create_if_missing(false)
        .disable_statement_logging();
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .map_err(|error| BackupError::NoDatabase(error.to_string()))?;
    let partial = partial_name(file);
    let _ = std::fs::remove_file(&partial);
    let write = |error: &dyn std::fmt::Display| BackupError::Write {
        path: shown.clone(),
        reason: error.to_string(),
    };
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(partial.display().to_string())
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    let finished = copied
        .map_err(|error| write(&error))
        .and_then(|_| owner_only(&partial).map_err(|error| write(&error)))
        // A hard link fails if `file` appeared meanwhile: never overwritten.
        .and_then(|()| match std::fs::hard_link(&partial, file) {
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(BackupError::Exists(shown.clone()))
            }
            other => other.map_err(|error| write(&error)),
        })
        .and_then(|()| {
            std::fs::metadata(file)
                .map(|meta| meta.len())
                .map_err(|error| write(&error))
        });
    let _ = std::fs::remove_file(&partial);
    finished
}

/// `file`'s temporary name while it is written, in the same directory.
fn partial_name(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_owned();
    name.push(format!(".partial-{}", std::process::id()));
    file.with_file_name(name)
}

fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}
