//! The user interface: the HTML shell, the router and the pages.

mod access_audit;
mod account;
mod audit;
mod invite;
mod layout;
mod outbox;
mod reference;
mod session;
mod tokens;
mod widgets;
mod workspaces;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

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
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    session::provide_session();
    widgets::Toasts::provide();

    view! {
        <Stylesheet id="leptos" href="/pkg/tessera.css" />
        <Title text="Tessera" />
        <Router>
            <layout::Shell>
                <Routes fallback=layout::NotFound>
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("") view=workspaces::WorkspacesPage />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("api")
                        view=reference::ApiReferencePage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("setup") view=account::SetupPage />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("login") view=account::LoginPage />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("account") view=account::AccountPage />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("forgot-password")
                        view=account::ForgotPasswordPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("reset-password"), ParamSegment("code"))
                        view=account::ResetPasswordPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("invite"), ParamSegment("code"))
                        view=invite::InvitePage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("admin"), StaticSegment("sign-ins"))
                        view=account::AdminSignInsPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("access-tokens"),
                        )
                        view=tokens::AccessTokensPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("members"),
                        )
                        view=workspaces::MembersPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("api-access"),
                        )
                        view=access_audit::ApiAccessPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("api-access"),
                            ParamSegment("token"),
                        )
                        view=access_audit::ApiAccessTokenPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("audit-log"),
                        )
                        view=audit::AuditLogPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("outbox"),
                        )
                        view=outbox::OutboxPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(
                            StaticSegment("workspace"),
                            ParamSegment("workspace"),
                            StaticSegment("settings"),
                        )
                        view=workspaces::SettingsPage
                    />
                </Routes>
            </layout::Shell>
            <widgets::ToastList />
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
