//! `soak seed`: the instance the load runs against, made before the server starts.

use std::{fmt::Write as _, path::Path};

use tessera::{
    domain::role::Role,
    model::TokenInput,
    server::{
        context::Ctx,
        services::{Principal, RequestMeta, accounts, tokens},
        state::AppState,
    },
};

use crate::{OWNER_EMAIL, OWNER_PASSWORD};

/// An Owner, a workspace, COUNT tokens and the driver's token, written to DIR.
pub async fn seed(args: &[String]) -> Result<(), String> {
    let [dir, count] = args else {
        return Err("usage: soak seed DIR COUNT".into());
    };
    let count: usize = count.parse().map_err(|_| "COUNT must be a number")?;
    let state = AppState::open_configured().await?;
    let db = state.db.clone();
    // The seeder, not a request: no address to record.
    let visitor = Ctx::new(state, (), RequestMeta::default());
    let setup = accounts::SetupInput {
        email: OWNER_EMAIL.into(),
        name: "Soak".into(),
        password: OWNER_PASSWORD.into(),
        workspace_name: "Soak".into(),
    };
    let (session, workspace) = accounts::setup(&visitor, setup)
        .await
        .map_err(|e| format!("set-up (is the database fresh?): {e}"))?;
    let owner = visitor.acting_as(Principal::User(session.user));
    let create = async |label: String, scope: Role| {
        let input = TokenInput {
            label,
            scope,
            permissions: None,
            expires_at: None,
            allowed_ips: None,
            rate_limit: Default::default(),
        };
        let created = tokens::create(&owner, workspace, input).await;
        created.map_err(|e| format!("creating a token: {e}"))
    };
    let mut lines = String::new();
    for index in 0..count {
        let made = create(format!("soak {index}"), Role::ALL[index % Role::ALL.len()]).await?;
        let _ = writeln!(lines, "{} {}", made.token.id, made.secret);
    }
    let driver = create("soak driver".into(), Role::Owner).await?;
    let dir = Path::new(dir);
    for (name, text) in [
        ("workspace", workspace.to_string()),
        ("driver", driver.secret),
        ("tokens", lines),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    db.close().await;
    Ok(())
}
