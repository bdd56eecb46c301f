//! The header above every page: the name, and who is signed in with the way out.

use leptos::prelude::*;

use super::{
    rpc::logout,
    session::{go_to, use_session},
};
use crate::model::SessionState;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <header class="border-b border-slate-800 bg-slate-900 text-white">
            <div class="mx-auto flex max-w-6xl items-center gap-3 px-6 py-4">
                <a href="/" class="flex items-center gap-2 text-lg font-semibold tracking-tight">
                    <span
                        aria-hidden="true"
                        class="grid h-7 w-7 place-items-center rounded-md bg-indigo-500 text-sm font-bold"
                    >
                        "T"
                    </span>
                    "Tessera"
                </a>
                <span class="text-sm text-slate-400">"API access tokens"</span>
                <UserMenu />
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-6 py-10">{children()}</main>
    }
}

/// The header's right side: the API reference, one's own tokens, who is signed in, and the
/// way out.
#[component]
fn UserMenu() -> impl IntoView {
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
                                <a class="text-slate-300 hover:text-white" href="/account/tokens">
                                    "Personal tokens"
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
