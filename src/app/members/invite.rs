//! `/invite/<code>`: the page a mailed invitation opens. The holder of the link signs in
//! (or makes their account with their own password) and accepts, or declines.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::rpc::{answer_invitation, get_invitation};
use crate::{
    app::frame::{
        session::go_to,
        status::{ErrorPanel, Loading},
        widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY, SECONDARY},
    },
    domain::error::AppError,
    model::{InvitationAnswer, InvitationView},
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let invitation = Resource::new(code, get_invitation);
    view! {
        <section class="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match invitation.await {
                        Ok(view) => view! { <Answer code=code() invitation=view /> }.into_any(),
                        Err(AppError::Invalid(error)) => view! {
                            <h1 class="text-2xl font-semibold tracking-tight">"Invitation"</h1>
                            <p role="alert" class="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="invitation-dead">
                                {error.message}
                            </p>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Answer(code: String, invitation: InvitationView) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = StoredValue::new(code);
    let answer = Action::new(move |accept: &bool| {
        let answer = InvitationAnswer {
            accept: *accept,
            name: Some(name.get_untracked()).filter(|n| !n.trim().is_empty()),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        };
        async move { answer_invitation(code.get_value(), answer).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(workspace))) = answer.value().get() {
            go_to(&format!("/workspace/{workspace}/access-tokens"));
        }
    });
    let error = Signal::derive(move || answer.value().get().and_then(Result::err));
    let declined = move || matches!(answer.value().get(), Some(Ok(None)));
    let email = invitation.email.clone();
    let wrong_account = invitation
        .signed_in_as
        .as_ref()
        .filter(|signed_in| **signed_in != invitation.email)
        .cloned();
    let wrong = wrong_account.is_some();
    let needs_password = invitation.signed_in_as.is_none();
    let new_account = needs_password && !invitation.account_exists;
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">
            {format!("Join {}", invitation.workspace_name)}
        </h1>
        <p class="mt-2 text-sm text-slate-600" data-testid="invitation-summary">
            {format!(
                "{} invited {} to the workspace {} as {}.",
                invitation.invited_by,
                invitation.email,
                invitation.workspace_name,
                invitation.role.label(),
            )}
        </p>
        <Show
            when=move || !declined()
            fallback=|| view! { <p class="mt-4 text-sm" data-testid="invitation-declined">"You declined the invitation."</p> }
        >
            {wrong_account
                .clone()
                .map(|signed_in| {
                    view! {
                        <p role="alert" class="mt-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
                            {format!(
                                "You are signed in as {signed_in}, but this invitation is for {}. Sign out, then open the link again.",
                                invitation.email,
                            )}
                        </p>
                    }
                })}
            <form
                class="mt-6 space-y-4"
                method="post"
                on:submit=move |event| {
                    event.prevent_default();
                    answer.dispatch(true);
                }
            >
                <input type="hidden" name="username" autocomplete="username" value=email.clone() />
                {new_account
                    .then(|| {
                        view! {
                            <p class="text-sm text-slate-600">
                                "Create your Tessera account: the email is the invitation's, the password is yours."
                            </p>
                            <label class=LABEL>
                                "Your name" <input class=INPUT name="name" autocomplete="name" bind:value=name />
                            </label>
                            <FieldError field="name" error />
                        }
                    })}
                {needs_password
                    .then(|| {
                        let (label, autocomplete) = if new_account {
                            ("Choose a password", "new-password")
                        } else {
                            ("Your password (to sign in as this account)", "current-password")
                        };
                        view! {
                            <label class=LABEL>
                                {label}
                                <input
                                    class=INPUT
                                    name="password"
                                    type="password"
                                    autocomplete=autocomplete
                                    bind:value=password
                                />
                            </label>
                            <FieldError field="password" error />
                            <FieldError field="email" error />
                        }
                    })}
                <FieldError field="code" error />
                <FormError error />
                <div class="flex gap-3">
                    <button
                        type="submit"
                        class=PRIMARY
                        disabled=move || answer.pending().get() || wrong
                    >
                        {if new_account { "Create account and join" } else { "Accept and join" }}
                    </button>
                    <button
                        type="button"
                        class=SECONDARY
                        disabled=move || answer.pending().get()
                        on:click=move |_| {
                            answer.dispatch(false);
                        }
                    >
                        "Decline"
                    </button>
                </div>
            </form>
        </Show>
    }
}
