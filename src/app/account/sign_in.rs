//! First-run set-up and sign-in: forms that work before the WASM has loaded.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use super::{
    password::NewPassword,
    rpc::{Login, Setup},
};
use crate::{
    app::frame::{
        session::go_to,
        widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY},
    },
    domain::error::AppError,
};

/// The message for `?error=` after a plain form post came back (no WASM yet).
fn returned_error() -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        query.with(|q| {
            q.get("error")
                .map(|kind| AppError::kind_message(&kind).to_owned())
        })
    })
}

#[component]
fn ReturnedError() -> impl IntoView {
    let error = returned_error();
    move || {
        error.get().map(|message| {
            view! {
                <p role="alert" class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                    {message}
                </p>
            }
        })
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let submit = ServerAction::<Setup>::new();
    let password = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(workspace)) = submit.value().get() {
            go_to(&format!("/workspace/{workspace}/access-tokens"));
        }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Set up Tessera"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Create the owner account and the first workspace. This account administers Tessera; you invite others afterwards."
            </p>
            <ActionForm action=submit attr:class="mt-6 space-y-4">
                <label class=LABEL>
                    "Your name" <input class=INPUT name="name" autocomplete="name" />
                </label>
                <FieldError field="name" error />
                <label class=LABEL>
                    "Email"
                    <input class=INPUT name="email" type="email" autocomplete="email" />
                </label>
                <FieldError field="email" error />
                <NewPassword password error label="Password" />
                <label class=LABEL>
                    "Workspace name" <input class=INPUT name="workspace_name" />
                </label>
                <FieldError field="workspace_name" error />
                <FormError error />
                <ReturnedError />
                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                    "Create account and workspace"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let submit = ServerAction::<Login>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = submit.value().get() {
            go_to("/");
        }
    });
    let error: Signal<Option<AppError>> =
        Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Sign in"</h1>
            <ActionForm action=submit attr:class="mt-6 space-y-4">
                <label class=LABEL>
                    "Email"
                    <input class=INPUT name="email" type="email" autocomplete="username" />
                </label>
                <label class=LABEL>
                    "Password"
                    <input
                        class=INPUT
                        name="password"
                        type="password"
                        autocomplete="current-password"

                    />
                </label>
                <FieldError field="email" error />
                <FieldError field="password" error />
                <FormError error />
                <ReturnedError />
                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
            <p class="mt-4 text-sm">
                <a class="text-indigo-700 hover:underline" href="/forgot-password">
                    "Forgot your password?"
                </a>
            </p>
        </section>
    }
}
