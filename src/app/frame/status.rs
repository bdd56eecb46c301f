//! What a page shows instead of its content: loading, not found, or an error.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::domain::error::AppError;

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-500" data-testid="loading">"Loading…"</p> }
}

/// An error as the page's content; not found answers 404, and a lost session goes to sign-in.
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
