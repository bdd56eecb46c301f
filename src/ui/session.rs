//! Who is looking: the session, read once per page load, and the guards that send
//! visitors to set-up or sign-in.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::layout::NotFound;
use crate::{
    domain::error::AppError,
    model::SessionState,
    rpc::{get_session, logout},
};

pub type SessionResource = Resource<Result<SessionState, AppError>>;

pub fn provide_session() -> SessionResource {
    let session: SessionResource = Resource::new(|| (), |()| get_session());
    provide_context(session);
    session
}

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// Loads a fresh page at `path`: after signing in or out, everything is read again.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-500" data-testid="loading">"Loading…"</p> }
}

#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    if error == AppError::NotFound {
        return view! { <NotFound /> }.into_any();
    }
    if error == AppError::Unauthenticated {
        return view! { <Redirect path="/login" /> }.into_any();
    }
    view! {
        <div role="alert" class="rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800">
            {error.to_string()}
        </div>
    }
    .into_any()
}

/// Renders `children` with the signed-in user; sends everyone else to set-up or sign-in,
/// and a person who must still choose their own password to the account page (unless
/// this is it: `password_change_pending`).
#[component]
pub fn SignedIn(
    children: ChildrenFn,
    #[prop(optional)] password_change_pending: bool,
) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionState::SignedIn(user))
                        if user.must_change_password && !password_change_pending => {
                        view! { <Redirect path="/account" /> }.into_any()
                    }
                    Ok(SessionState::SignedIn(user)) => {
                        provide_context(user);
                        children.with_value(|children| children()).into_any()
                    }
                    Ok(SessionState::SetupRequired) => view! { <Redirect path="/setup" /> }.into_any(),
                    Ok(SessionState::SignedOut) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The header's right side: who is signed in, and the way out.
#[component]
pub fn UserMenu() -> impl IntoView {
    let session = use_session();
    let sign_out = Action::new(|_: &()| async {
        let result = logout().await;
        if result.is_ok() {
            go_to("/login");
        }
        result
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionState::SignedIn(user)) => {
                        view! {
                            <div class="ml-auto flex items-center gap-3 text-sm">
                                <a class="text-slate-300 hover:text-white" href="/api">
                                    "API reference"
                                </a>
                                <a
                                    class="text-slate-300 hover:text-white"
                                    href="/account"
                                    data-testid="signed-in-as"
                                >
                                    {user.name}
                                </a>
                                <button
                                    type="button"
                                    class="rounded-md border border-slate-600 px-3 py-1 text-slate-100 hover:bg-slate-800"
                                    on:click=move |_| {
                                        sign_out.dispatch(());
                                    }
                                >
                                    "Sign out"
                                </button>
                            </div>
                        }
                            .into_any()
                    }
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

/// Set-up is reachable only before the first account exists.
#[component]
pub fn SetupOnly(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionState::SetupRequired) => {
                        children.with_value(|children| children()).into_any()
                    }
                    Ok(_) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Sign-in is for the signed-out; the others go where they belong.
#[component]
pub fn SignedOutOnly(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionState::SignedOut) => children.with_value(|children| children()).into_any(),
                    Ok(SessionState::SetupRequired) => view! { <Redirect path="/setup" /> }.into_any(),
                    Ok(SessionState::SignedIn(_)) => view! { <Redirect path="/" /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
