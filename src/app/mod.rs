//! The user interface, one folder per feature: each holds its pages and the server
//! functions they call (`rpc.rs`, all under `/rpc`). `frame` is what every page shares:
//! the header, the session and its guard, the workspace frame with its tabs, widgets.
//! This file is the HTML shell and the router.

mod account;
mod audit;
mod frame;
mod members;
mod personal_tokens;
mod reference;
mod tokens;
mod workspaces;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{ParentRoute, Route, Router, Routes},
};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

use crate::domain::error::AppError;
use account::{
    page::AccountPage,
    password::{ForgotPasswordPage, ResetPasswordPage},
    sign_in::{LoginPage, SetupPage},
    sign_ins::AdminSignInsPage,
};
use audit::{
    access::ApiAccessPage, access_token::ApiAccessTokenPage, log::AuditLogPage, outbox::OutboxPage,
};
use frame::{
    session::{Access, Guard},
    shell::Shell,
    status::NotFound,
    widgets::{ToastList, Toasts},
    workspace::WorkspaceFrame,
};
use members::{invite::InvitePage, page::MembersPage};
use personal_tokens::page::PersonalTokensPage;
use reference::ApiReferencePage;
use tokens::page::AccessTokensPage;
use workspaces::{list::WorkspacesPage, settings::SettingsPage};

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
    ) && let Ok(csp) = crate::server::http::headers::page_csp(&nonce.to_string()).parse()
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
                // The stylesheet under its content-hashed name (cargo-leptos `hash-files`).
                <HashedStylesheet options=options.clone() id="leptos" />
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
        <Title text="Tessera" />
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("")
                        view=|| view! {
                            <Guard access=Access::SignedIn>
                                <WorkspacesPage />
                            </Guard>
                        }
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("api")
                        view=|| view! {
                            <Guard access=Access::SignedIn>
                                <ApiReferencePage />
                            </Guard>
                        }
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("setup")
                        view=|| view! {
                            <Guard access=Access::BeforeSetup>
                                <SetupPage />
                            </Guard>
                        }
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("login")
                        view=|| view! {
                            <Guard access=Access::SignedOut>
                                <LoginPage />
                            </Guard>
                        }
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("account")
                        view=|| view! {
                            <Guard access=Access::AnyPassword>
                                <AccountPage />
                            </Guard>
                        }
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("account"), StaticSegment("tokens"))
                        view=|| view! {
                            <Guard access=Access::SignedIn>
                                <PersonalTokensPage />
                            </Guard>
                        }
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("forgot-password")
                        view=ForgotPasswordPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("reset-password"), ParamSegment("code"))
                        view=ResetPasswordPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("invite"), ParamSegment("code"))
                        view=InvitePage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("admin"), StaticSegment("sign-ins"))
                        view=|| view! {
                            <Guard access=Access::SignedIn>
                                <AdminSignInsPage />
                            </Guard>
                        }
                    />
                    // Async covers the tabs too: a request takes the most restrictive mode on its path.
                    <ParentRoute
                        ssr=SsrMode::Async
                        path=(StaticSegment("workspace"), ParamSegment("id"))
                        view=WorkspaceFrame
                    >
                        <Route path=StaticSegment("access-tokens") view=AccessTokensPage />
                        <Route path=StaticSegment("members") view=MembersPage />
                        <Route path=StaticSegment("api-access") view=ApiAccessPage />
                        <Route path=(StaticSegment("api-access"), ParamSegment("token")) view=ApiAccessTokenPage />
                        <Route path=StaticSegment("audit-log") view=AuditLogPage />
                        <Route path=StaticSegment("outbox") view=OutboxPage />
                        <Route path=StaticSegment("settings") view=SettingsPage />
                    </ParentRoute>
                </Routes>
            </Shell>
            <ToastList />
        </Router>
    }
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
