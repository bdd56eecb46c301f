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

use leptos::{lazy, prelude::*};
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, ParamSegment, SsrMode, StaticSegment,
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
    ) && let Ok(csp) = crate::server::http::headers::page_csp(
        &nonce.to_string(),
        // `AutoReload` below renders its script under the same condition.
        std::env::var_os("LEPTOS_WATCH")
            .map(|_| options.reload_external_port.unwrap_or(options.reload_port)),
    )
    .parse()
    {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
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
/// while rendering (404 for an unknown workspace) reaches the response. Each page is a lazy
/// route (`lazy_page_group!` below: its code loads with its group's); a workspace's pages sit in
/// its frame.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    frame::session::provide_session();
    Toasts::provide();

    view! {
        <Title text="Tessera" />
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route ssr=SsrMode::Async path=StaticSegment("") view={Lazy::<Workspaces>::new()} />
                    <Route ssr=SsrMode::Async path=StaticSegment("api") view={Lazy::<ApiReference>::new()} />
                    <Route ssr=SsrMode::Async path=StaticSegment("setup") view={Lazy::<Setup>::new()} />
                    <Route ssr=SsrMode::Async path=StaticSegment("login") view={Lazy::<Login>::new()} />
                    <Route ssr=SsrMode::Async path=StaticSegment("account") view={Lazy::<Account>::new()} />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("account"), StaticSegment("tokens"))
                        view={Lazy::<PersonalTokens>::new()}
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=StaticSegment("forgot-password")
                        view={Lazy::<ForgotPassword>::new()}
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("reset-password"), ParamSegment("code"))
                        view={Lazy::<ResetPassword>::new()}
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("invite"), ParamSegment("code"))
                        view={Lazy::<Invite>::new()}
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("admin"), StaticSegment("sign-ins"))
                        view={Lazy::<AdminSignIns>::new()}
                    />
                    // Async covers the tabs too: a request takes the most restrictive mode on its path.
                    <ParentRoute
                        ssr=SsrMode::Async
                        path=(StaticSegment("workspace"), ParamSegment("id"))
                        view={Lazy::<Workspace>::new()}
                    >
                        <Route path=StaticSegment("access-tokens") view={Lazy::<AccessTokens>::new()} />
                        <Route path=StaticSegment("members") view={Lazy::<Members>::new()} />
                        <Route path=StaticSegment("api-access") view={Lazy::<ApiAccess>::new()} />
                        <Route
                            path=(StaticSegment("api-access"), ParamSegment("token"))
                            view={Lazy::<ApiAccessToken>::new()}
                        />
                        <Route path=StaticSegment("audit-log") view={Lazy::<AuditLog>::new()} />
                        <Route path=StaticSegment("outbox") view={Lazy::<Outbox>::new()} />
                        <Route path=StaticSegment("settings") view={Lazy::<Settings>::new()} />
                    </ParentRoute>
                </Routes>
            </Shell>
            <ToastList />
        </Router>
    }
}

/// Routes whose pages the browser loads when one of them is first shown, a group at a time.
/// `cargo leptos build --split` (scripts/build-site.sh) cuts each group's `#[lazy]` function,
/// with the code only that group uses, into its own WASM file; code two groups share goes
/// into a file of its own. The server names the files a page needs in its `<head>`, so they
/// load beside the main one, and hydration waits for them (`hydrate` in lib.rs). The
/// main file keeps the shell, the router and what every page shares: the sign-in page, the
/// first one anybody sees, needs it and the signed-out group only.
///
/// `#[lazy]` names the function that loads a group's files `__preload_` and its own name.
/// A group per route made the first page a little smaller (270 KB of WASM against 288), but
/// split the app into hundreds of files (measured: 204 for the token page), one request each. Who may see a
/// page is decided by the guard inside it.
macro_rules! lazy_page_group {
    ($load:ident, $preload:ident, $group:ident { $($route:ident => $page:expr;)* }) => {
        #[derive(Clone, Copy)]
        enum $group {
            $($route,)*
        }

        #[lazy]
        fn $load(page: $group) -> AnyView {
            match page {
                $($group::$route => $page.into_any(),)*
            }
        }

        $(
            struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $load($group::$route).await
                }

                // The router awaits this before it hydrates or shows the route: the group's
                // files loaded, `view` is ready at once and hydrates the server's HTML.
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

lazy_page_group! {
    signed_out_page, __preload_signed_out_page, SignedOutPage {
        Setup => view! { <Guard access=Access::BeforeSetup><SetupPage /></Guard> };
        Login => view! { <Guard access=Access::SignedOut><LoginPage /></Guard> };
        ForgotPassword => view! { <ForgotPasswordPage /> };
        ResetPassword => view! { <ResetPasswordPage /> };
        Invite => view! { <InvitePage /> };
    }
}

lazy_page_group! {
    account_page, __preload_account_page, AccountGroupPage {
        Workspaces => view! { <Guard access=Access::SignedIn><WorkspacesPage /></Guard> };
        ApiReference => view! { <Guard access=Access::SignedIn><ApiReferencePage /></Guard> };
        Account => view! { <Guard access=Access::AnyPassword><AccountPage /></Guard> };
        PersonalTokens => view! { <Guard access=Access::SignedIn><PersonalTokensPage /></Guard> };
        AdminSignIns => view! { <Guard access=Access::SignedIn><AdminSignInsPage /></Guard> };
    }
}

lazy_page_group! {
    workspace_page, __preload_workspace_page, WorkspacePage {
        Workspace => view! { <WorkspaceFrame /> };
        AccessTokens => view! { <AccessTokensPage /> };
        Members => view! { <MembersPage /> };
        ApiAccess => view! { <ApiAccessPage /> };
        ApiAccessToken => view! { <ApiAccessTokenPage /> };
        AuditLog => view! { <AuditLogPage /> };
        Outbox => view! { <OutboxPage /> };
        Settings => view! { <SettingsPage /> };
    }
}
