//! The operator's commands: `tessera admin …`. They read the same configuration as the
//! server and act on its database directly.

use super::{
    ServerError, config::Config, context::Ctx, secrets::Keys, services, services::RequestMeta,
    state::AppState, store::Db,
};

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve (no arguments).
    Serve,
    /// `admin reset-password EMAIL`: print a one-time reset link for the account.
    ResetPassword { email: String },
    /// `admin backup FILE`: a consistent copy of the SQLite database, while serving.
    Backup { file: std::path::PathBuf },
}

pub const USAGE: &str = "usage: tessera                              serve (configured by Leptos.toml and TESSERA_* variables)\n       tessera admin reset-password EMAIL    print a one-time link (30 minutes) to choose a new password\n       tessera admin backup FILE             copy the SQLite database to a new FILE, consistently, while it serves";

impl Command {
    /// Reads the arguments after the program name.
    pub fn parse(args: &[String]) -> Result<Command, String> {
        match args {
            [] => Ok(Command::Serve),
            [admin, verb, email] if admin == "admin" && verb == "reset-password" => {
                Ok(Command::ResetPassword {
                    email: email.clone(),
                })
            }
            [admin, verb, file] if admin == "admin" && verb == "backup" => {
                Ok(Command::Backup { file: file.into() })
            }
            _ => Err(USAGE.to_owned()),
        }
    }
}

/// Issues a reset link for `email` and returns it (the caller prints it). The link is
/// recorded in the audit log as issued by the operator; nothing is mailed.
pub async fn reset_password(config: &Config, email: &str) -> Result<String, ServerError> {
    let keys = Keys::load_or_create(config)?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    // The operator at the console: no request, so no address or user agent to record.
    let state = AppState::new(config.clone(), db.clone(), keys);
    let ctx = Ctx::new(state, (), RequestMeta::default());
    let link = services::password_changes::issue_password_reset(&ctx, email)
        .await
        .map_err(|error| ServerError::Admin(error.to_string()));
    db.close().await;
    link
}

/// Copies the SQLite database to `file` (which must not exist) while the server may be
/// serving, and says what was written. PostgreSQL has its own tool for that, which the
/// error names.
pub async fn backup(config: &Config, file: &std::path::Path) -> Result<String, ServerError> {
    let url = &config.database_url;
    if !url.starts_with("sqlite:") {
        return Err(ServerError::Admin(
            "tessera admin backup copies the embedded SQLite database; this server uses PostgreSQL: back it up with pg_dump --format=custom --file FILE \"$DATABASE_URL\" (see README, Operations)".to_owned(),
        ));
    }
    let bytes = super::store::backup_sqlite(url, file)
        .await
        .map_err(|error| ServerError::Admin(error.to_string()))?;
    let secret = if config.secret_key.is_some() {
        "the secret_key you configured (TESSERA_SECRET_KEY)".to_owned()
    } else {
        config.secret_key_file.display().to_string()
    };
    Ok(format!(
        "Backed up the database to {} ({} KiB). Keep the server secret with it, apart: {secret} — without it the backup's tokens cannot be checked.",
        file.display(),
        bytes.div_ceil(1024)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_a_command_or_get_the_usage() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(Command::parse(&args(&[])), Ok(Command::Serve));
        assert_eq!(
            Command::parse(&args(&["admin", "reset-password", "a@b.c"])),
            Ok(Command::ResetPassword {
                email: "a@b.c".into()
            })
        );
        assert_eq!(
            Command::parse(&args(&["admin", "backup", "b.db"])),
            Ok(Command::Backup {
                file: "b.db".into()
            })
        );
        assert_eq!(Command::parse(&args(&["admin"])), Err(USAGE.to_owned()));
        assert_eq!(
            Command::parse(&args(&["serve", "x"])),
            Err(USAGE.to_owned())
        );
    }
}
