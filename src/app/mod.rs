//! The user interface, one folder per feature: each holds its pages and the server
//! functions they call (`rpc.rs`, all under `/rpc`). `frame` is what every page shares:
//! the header, the session and its guard, the workspace frame with its tabs, widgets.
//! This file is the HTML shell and the router.

mod account;
mod audit;
mod frame;
mod members;
mod reference;
mod tokens;
mod workspaces;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{ParentRoute, Route, Router, Routes},
};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

use crate::domain::error::AppError;
use frame::{
    session::{Access, Guard},
    shell::Shell,
    status::NotFound,
    widgets::{ToastList, Toasts},
    workspace::WorkspaceFrame,
};

/// How a server function that never reached its service (no network, a garbled answer)
/// fails: as an error the pages show like any other.
impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(match value {
            ServerFnErrorErr::Request(_) => {
                "Tessera's server cannot be reached. Check your connection and try again."
                    .to_owned()
            }
            other => format!("The request failed: {other}"),
        })
    }
}

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(csp) = crate::server::web::page_csp(&nonce.to_string()).parse()
    {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Every page renders on the server before it is sent (`SsrMode::Async`), so a status set
/// while rendering (404 for an unknown workspace) reaches the response. Who may see a page
/// is decided here, by the guard around it; a workspace's pages sit in its frame.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    frame::session::provide_session();
    Toasts::provide();

    view! {
        <Stylesheet id="leptos" href="/pkg/tessera.css" />
        <Title text="Tessera" />
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("")
                        view=|| guarded(Access::SignedIn, workspaces::list::WorkspacesPage)
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("api")
                        view=|| guarded(Access::SignedIn, reference::ApiReferencePage)
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("setup")
                        view=|| guarded(Access::BeforeSetup, account::sign_in::SetupPage)
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("login")
                        view=|| guarded(Access::SignedOut, account::sign_in::LoginPage)
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("account")
                        view=|| guarded(Access::AnyPassword, account::page::AccountPage)
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("forgot-password")
                        view=account::password::ForgotPasswordPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("reset-password"), ParamSegment("code"))
                        view=account::password::ResetPasswordPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("invite"), ParamSegment("code"))
                        view=members::invite::InvitePage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("admin"), StaticSegment("sign-ins"))
                        view=|| guarded(Access::SignedIn, account::sign_ins::AdminSignInsPage)
                    />
                    <ParentRoute
                        ssr=SsrMode::Async
                        path=(StaticSegment("workspace"), ParamSegment("id"))
                        view=WorkspaceFrame
                    >
                        <Route
                            ssr=SsrMode::Async
                            path=StaticSegment("access-tokens")
                            view=tokens::page::AccessTokensPage
                        />
                        <Route
                            ssr=SsrMode::Async
                            path=StaticSegment("members")
                            view=members::page::MembersPage
                        />
                        <Route
                            ssr=SsrMode::Async
                            path=StaticSegment("api-access")
                            view=audit::access::ApiAccessPage
                        />
                        <Route
                            ssr=SsrMode::Async
                            path=(StaticSegment("api-access"), ParamSegment("token"))
                            view=audit::access_token::ApiAccessTokenPage
                        />
                        <Route
                            ssr=SsrMode::Async
                            path=StaticSegment("audit-log")
                            view=audit::log::AuditLogPage
                        />
                        <Route
                            ssr=SsrMode::Async
                            path=StaticSegment("outbox")
                            view=audit::outbox::OutboxPage
                        />
                        <Route
                            ssr=SsrMode::Async
                            path=StaticSegment("settings")
                            view=workspaces::settings::SettingsPage
                        />
                    </ParentRoute>
                </Routes>
            </Shell>
            <ToastList />
        </Router>
    }
}

/// `page` behind the session guard's `access` decision.
fn guarded<V: IntoView + 'static>(
    access: Access,
    page: impl Fn() -> V + Send + Sync + 'static,
) -> impl IntoView {
    view! { <Guard access>{page()}</Guard> }
}

/// Sets `data-hydrated` on `<body>` once the WASM app has taken over the page:
/// tests (and curious operators) can tell a live page from static HTML.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
