//! Choosing a password: the hint and field every form shares, and the pages that reset a
//! forgotten one by a mailed link.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::rpc::{get_password_reset, request_password_reset, reset_password};
use crate::{
    app::frame::{
        status::Loading,
        widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY},
    },
    domain::{error::AppError, validation::PASSWORD_MIN},
};

#[component]
fn PasswordHint(password: RwSignal<String>) -> impl IntoView {
    let hint = move || {
        let length = password.with(|p| p.chars().count());
        if length >= PASSWORD_MIN {
            "Long enough. Unrelated words make a strong passphrase; common passwords are refused."
                .to_owned()
        } else {
            format!(
                "At least {PASSWORD_MIN} characters: {} more.",
                PASSWORD_MIN - length
            )
        }
    };
    view! { <p class="text-xs text-slate-500" data-testid="password-hint">{hint}</p> }
}

/// A new password someone chooses, with its hint and the server's refusal.
#[component]
pub fn NewPassword(
    password: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "New password")] label: &'static str,
) -> impl IntoView {
    view! {
        <label class=LABEL>
            {label}
            <input
                class=INPUT
                name="password"
                type="password"
                autocomplete="new-password"
                bind:value=password
            />
        </label>
        <PasswordHint password />
        <FieldError field="password" error />
    }
}

/// The person's current password, to confirm a change, with the hidden username password
/// managers need. `field` names the input and the server's refusal of it.
#[component]
pub fn CurrentPassword(
    email: String,
    password: RwSignal<String>,
    label: &'static str,
    field: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <input type="hidden" name="username" autocomplete="username" value=email />
        <label class=LABEL>
            {label}
            <input
                class=INPUT
                name=field
                type="password"
                autocomplete="current-password"
                bind:value=password
            />
        </label>
        <FieldError field error />
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let submit = Action::new(|email: &String| {
        let email = email.clone();
        async move { request_password_reset(email).await }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Reset your password"</h1>
            {move || match submit.value().get() {
                Some(Ok(())) => view! {
                    <p class="mt-4 text-sm" data-testid="reset-requested">
                        "If an account has this email address, a link to choose a new password is on its way. It works once, for 30 minutes."
                    </p>
                }
                .into_any(),
                _ => view! {
                    <form
                        class="mt-6 space-y-4"
                        method="post"
                        on:submit=move |event| {
                            event.prevent_default();
                            submit.dispatch(email.get());
                        }
                    >
                        <label class=LABEL>
                            "Email"
                            <input class=INPUT name="email" type="email" autocomplete="username" bind:value=email />
                        </label>
                        <FieldError field="email" error />
                        <FormError error />
                        <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                            "Send me a link"
                        </button>
                    </form>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let reset = Resource::new(code, get_password_reset);
    let password = RwSignal::new(String::new());
    let submit = Action::new(move |password: &String| {
        let (code, password) = (code(), password.clone());
        async move { reset_password(code, password).await }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Choose a new password"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match (reset.await, submit.value().get()) {
                        (_, Some(Ok(()))) => view! {
                            <p class="mt-4 text-sm" data-testid="password-reset-done">
                                "Your password was changed and every session of your account was ended. "
                                <a class="text-indigo-700 underline" href="/login">"Sign in"</a>
                                " with the new one."
                            </p>
                        }
                        .into_any(),
                        (Ok(email), _) => view! {
                            <form
                                class="mt-6 space-y-4"
                                method="post"
                                on:submit=move |event| {
                                    event.prevent_default();
                                    submit.dispatch(password.get());
                                }
                            >
                                <p class="text-sm text-slate-600">{format!("For the account {email}.")}</p>
                                <input type="hidden" name="username" autocomplete="username" value=email />
                                <NewPassword password error />
                                <FieldError field="code" error />
                                <FormError error />
                                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                                    "Set password"
                                </button>
                            </form>
                        }
                        .into_any(),
                        (Err(error), _) => view! {
                            <p role="alert" class="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                                {error.to_string()}
                                " "
                                <a class="underline" href="/forgot-password">"Ask for a new link."</a>
                            </p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
