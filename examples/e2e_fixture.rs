//! Puts into a test's throw-away database what a browser cannot make in real time: a token
//! that has already expired (made with the clock set two days back), or, for the API
//! contract run, a whole instance at once — its Owner, a workspace and the Owner's personal
//! token with the Owner scope there. It runs the server's own services against the same configuration (`TESSERA_*`
//! variables). It is a test tool, not part of the shipped server.
//!
//! Usage: e2e_fixture expired-token OWNER_EMAIL WORKSPACE_NAME LABEL
//!        e2e_fixture owner-token OWNER_EMAIL WORKSPACE_NAME LABEL   (prints the secret)

use tessera::{
    domain::role::Role,
    model::{CurrentUser, GrantInput, PersonalTokenInput, TokenInput},
    server::services::accounts::{self, SetupInput},
    server::{
        context::Ctx,
        services::{RequestMeta, now_ms, personal_tokens, tokens, workspaces},
        state::AppState,
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
        return Err(
            "usage: e2e_fixture expired-token|owner-token OWNER_EMAIL WORKSPACE_NAME LABEL".into(),
        );
    };
    // The operator's tool: no request, so no address to record.
    let state = AppState::open_configured().await?;
    let db = state.db.clone();
    match command.as_str() {
        "expired-token" => {}
        "owner-token" => {
            let input = SetupInput {
                email: email.clone(),
                name: "Owner".into(),
                password: "correct horse battery staple".into(),
                workspace_name: workspace_name.clone(),
            };
            let (session, workspace) =
                accounts::setup(&Ctx::new(state.clone(), (), RequestMeta::default()), input)
                    .await
                    .map_err(|e| e.to_string())?;
            // A personal token: the workspace's own token operations (edit, disable, delete,
            // rotate, revoke in bulk) cannot reach it, so the fuzzer cannot cut its own
            // branch. It expires in two hours, within any lifetime limit the fuzzer may set
            // (a day at least), so no such limit refuses it.
            let person = Ctx::new(state, session.user, RequestMeta::default());
            let input = PersonalTokenInput {
                label: label.clone(),
                expires_at: Some(now_ms() + DAY / 12),
                workspaces: vec![GrantInput {
                    workspace_id: workspace,
                    scope: Role::Owner,
                    permissions: None,
                }],
                allowed_ips: None,
                rate_limit: Default::default(),
            };
            let created = personal_tokens::create(&person, input)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", created.secret);
            db.close().await;
            return Ok(());
        }
        other => return Err(format!("unknown command {other}")),
    }
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
