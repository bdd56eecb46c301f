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
}

pub const USAGE: &str = "usage: tessera                              serve (configured by Leptos.toml and TESSERA_* variables)\n       tessera admin reset-password EMAIL    print a one-time link (30 minutes) to choose a new password";

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
        assert_eq!(Command::parse(&args(&["admin"])), Err(USAGE.to_owned()));
        assert_eq!(
            Command::parse(&args(&["serve", "x"])),
            Err(USAGE.to_owned())
        );
    }
}
