//! The account page: one's own password, the way to one's own tokens, one's own sign-ins,
//! and deleting the account.

use leptos::prelude::*;

use super::{
    delete::DeleteAccount,
    password::{CurrentPassword, NewPassword},
    rpc::{change_password, get_account},
    sign_ins::SignInTable,
};
use crate::{
    app::frame::{
        session::go_to,
        status::{ErrorPanel, Loading},
        widgets::{FieldError, FormError, PRIMARY},
    },
    model::AccountPage as AccountData,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let page = Resource::new(|| (), |()| get_account());
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <AccountView data /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountView(data: AccountData) -> impl IntoView {
    let must_change = data.user.must_change_password;
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let change = Action::new(move |(current, new): &(String, String)| {
        let (current, new) = (current.clone(), new.clone());
        async move { change_password(current, new).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = change.value().get() {
            if must_change {
                // Everything else opens up now: load it afresh.
                go_to("/");
            } else {
                // The fields empty, the message stays (reloading the page data would
                // draw a fresh form without it).
                current.set(String::new());
                password.set(String::new());
            }
        }
    });
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let now = data.now;
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"Your account"</h1>
        <p class="mt-1 text-sm text-slate-600">{format!("{} · {}", data.user.name, data.user.email)}</p>
        {must_change
            .then(|| {
                view! {
                    <p role="alert" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="must-change-password">
                        "The password you signed in with was chosen by someone else. Choose your own before anything else."
                    </p>
                }
            })}
        <section class="mt-8 max-w-md">
            <h2 class="text-lg font-semibold">"Change password"</h2>
            <p class="mt-1 text-sm text-slate-600">"Your other sessions end when you change it."</p>
            {move || {
                change
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|ended| {
                        view! {
                            <p role="status" class="mt-3 rounded-md bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="password-changed">
                                {format!("Your password was changed. {ended} other session(s) ended.")}
                            </p>
                        }
                    })
            }}
            <form
                class="mt-4 space-y-4"
                method="post"
                on:submit=move |event| {
                    event.prevent_default();
                    change.dispatch((current.get(), password.get()));
                }
            >
                <CurrentPassword
                    email=data.user.email.clone()
                    password=current
                    label="Current password"
                    field="current_password"
                    error
                />
                <NewPassword password error />
                <FieldError field="email" error />
                <FormError error />
                <button type="submit" class=PRIMARY disabled=move || change.pending().get()>
                    "Change password"
                </button>
            </form>
        </section>
        <section class="mt-10">
            <h2 class="text-lg font-semibold">"Personal tokens"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Tokens of your own for your scripts and tools, each acting in the workspaces you choose. "
                <a class="text-indigo-700 underline" href="/account/tokens">"Manage your personal tokens"</a>
            </p>
        </section>
        <section class="mt-10">
            <h2 class="text-lg font-semibold">"Recent sign-ins"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Sign-ins to your account, and failed attempts with your email address. Only you (and the instance admin) see these."
                {data
                    .user
                    .is_instance_admin
                    .then(|| {
                        view! {
                            " "
                            <a class="text-indigo-700 underline" href="/admin/sign-ins">"Every account's sign-ins"</a>
                        }
                    })}
            </p>
            <SignInTable sign_ins=data.sign_ins now />
        </section>
        <DeleteAccount email=data.user.email.clone() is_instance_admin=data.user.is_instance_admin />
    }
}
