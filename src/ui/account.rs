//! First-run set-up and sign-in.

use leptos::prelude::*;

use super::{
    session::{SetupOnly, SignedOutOnly, go_to},
    widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY},
};
use crate::{
    domain::{error::AppError, validation::PASSWORD_MIN},
    rpc::{login, setup},
};

#[component]
pub fn SetupPage() -> impl IntoView {
    view! {
        <SetupOnly>
            <SetupForm />
        </SetupOnly>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let workspace = RwSignal::new(String::new());
    let submit = Action::new(|input: &(String, String, String, String)| {
        let (email, name, password, workspace) = input.clone();
        async move {
            let result = setup(email, name, password, workspace).await;
            if let Ok(workspace) = &result {
                go_to(&format!("/workspace/{workspace}/access-tokens"));
            }
            result
        }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    let password_hint = move || {
        let length = password.with(|p| p.chars().count());
        if length >= PASSWORD_MIN {
            "Long enough.".to_owned()
        } else {
            format!(
                "At least {PASSWORD_MIN} characters: {} more.",
                PASSWORD_MIN - length
            )
        }
    };
    view! {
        <section class="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Set up Tessera"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Create the owner account and the first workspace. You can invite others afterwards."
            </p>
            <form
                class="mt-6 space-y-4"
                on:submit=move |event| {
                    event.prevent_default();
                    submit.dispatch((email.get(), name.get(), password.get(), workspace.get()));
                }
            >
                <label class=LABEL>
                    "Your name" <input class=INPUT name="name" autocomplete="name" bind:value=name />
                </label>
                <FieldError field="name" error />
                <label class=LABEL>
                    "Email"
                    <input class=INPUT name="email" type="email" autocomplete="email" bind:value=email />
                </label>
                <FieldError field="email" error />
                <label class=LABEL>
                    "Password"
                    <input
                        class=INPUT
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        bind:value=password
                    />
                </label>
                <p class="text-xs text-slate-500" data-testid="password-hint">
                    {password_hint}
                </p>
                <FieldError field="password" error />
                <label class=LABEL>
                    "Workspace name"
                    <input class=INPUT name="workspace_name" bind:value=workspace />
                </label>
                <FieldError field="workspace_name" error />
                <FormError error />
                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                    "Create account and workspace"
                </button>
            </form>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <SignedOutOnly>
            <LoginForm />
        </SignedOutOnly>
    }
}

#[component]
fn LoginForm() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = Action::new(|input: &(String, String)| {
        let (email, password) = input.clone();
        async move {
            let result = login(email, password).await;
            if result.is_ok() {
                go_to("/");
            }
            result
        }
    });
    let error: Signal<Option<AppError>> =
        Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Sign in"</h1>
            <form
                class="mt-6 space-y-4"
                on:submit=move |event| {
                    event.prevent_default();
                    submit.dispatch((email.get(), password.get()));
                }
            >
                <label class=LABEL>
                    "Email"
                    <input class=INPUT name="email" type="email" autocomplete="username" bind:value=email />
                </label>
                <label class=LABEL>
                    "Password"
                    <input
                        class=INPUT
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        bind:value=password
                    />
                </label>
                <FieldError field="email" error />
                <FieldError field="password" error />
                <FormError error />
                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                    "Sign in"
                </button>
            </form>
        </section>
    }
}
