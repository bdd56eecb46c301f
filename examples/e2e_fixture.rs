//! Puts into the end-to-end tests' throw-away database what a browser cannot make in real
//! time: a token that has already expired. It runs the server's own services against the
//! same configuration (`TESSERA_*` variables), with the clock set two days back. It is a
//! test tool, not part of the shipped server.
//!
//! Usage: e2e_fixture expired-token OWNER_EMAIL WORKSPACE_NAME LABEL

use tessera::{
    domain::role::Role,
    model::{CurrentUser, TokenInput},
    server::{
        config::Config,
        context::Ctx,
        secrets::Keys,
        services::{RequestMeta, now_ms, tokens, workspaces},
        state::AppState,
        store::Db,
    },
};

const DAY: i64 = 86_400_000;

#[tokio::main]
async fn main() {
    if let Err(message) = run(std::env::args().skip(1).collect()).await {
        eprintln!("e2e_fixture: {message}");
        std::process::exit(1);
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let [command, email, workspace_name, label] = args.as_slice() else {
        return Err("usage: e2e_fixture expired-token OWNER_EMAIL WORKSPACE_NAME LABEL".into());
    };
    if command != "expired-token" {
        return Err(format!("unknown command {command}"));
    }
    let config = Config::load().map_err(|e| e.to_string())?;
    let keys = Keys::load_or_create(&config).map_err(|e| e.to_string())?;
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let user = db
        .user_by_email(email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user {email}"))?;
    let user = CurrentUser {
        id: user.id,
        email: user.email,
        name: user.name,
        is_instance_admin: user.is_instance_admin,
        must_change_password: user.must_change_password,
        may_create_workspaces: user.is_instance_admin,
    };
    // The operator's tool: no request, so no address to record.
    let state = AppState::new(config, db.clone(), keys);
    let person = Ctx::new(state, user, RequestMeta::default());
    let workspace = workspaces::list(&person)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|w| &w.name == workspace_name)
        .ok_or_else(|| format!("{email} has no workspace {workspace_name}"))?;
    let then = now_ms() - 2 * DAY;
    let input = TokenInput {
        permissions: None,
        label: label.clone(),
        scope: Role::Viewer,
        expires_at: Some(then + DAY),
        allowed_ips: None,
        rate_limit: Default::default(),
    };
    // Made two days ago, so that it has expired by now.
    let acting = Ctx {
        now: then,
        ..person.acting()
    };
    let created = tokens::create(&acting, workspace.id, input)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", created.token.id);
    db.close().await;
    Ok(())
}
