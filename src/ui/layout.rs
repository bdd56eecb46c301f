//! The frame around every page.

use leptos::prelude::*;

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
                <super::session::UserMenu />
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-6 py-10">{children()}</main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-xl font-semibold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">
                "There is nothing at this address. " <a class="text-indigo-600 underline" href="/">
                    "Go to the start page"
                </a> "."
            </p>
        </section>
    }
}
