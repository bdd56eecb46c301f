//! The account page's last section: deleting one's own account, with the password again.

use leptos::prelude::*;

use super::{password::CurrentPassword, rpc::delete_account};
use crate::app::frame::{
    session::go_to,
    widgets::{DANGER, FormError},
};

#[component]
pub fn DeleteAccount(email: String, is_instance_admin: bool) -> impl IntoView {
    if is_instance_admin {
        return view! {
            <section class="mt-10 max-w-md">
                <h2 class="text-lg font-semibold">"Delete account"</h2>
                <p class="mt-1 text-sm text-slate-600">
                    "This is the instance's admin account, the one set-up made: the instance needs it, so it cannot be deleted."
                </p>
            </section>
        }
        .into_any();
    }
    let password = RwSignal::new(String::new());
    let delete = Action::new(|password: &String| {
        let password = password.clone();
        async move {
            let result = delete_account(password).await;
            if result.is_ok() {
                go_to("/login");
            }
            result
        }
    });
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <section class="mt-10 max-w-md" data-testid="delete-account">
            <h2 class="text-lg font-semibold">"Delete account"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Every session of your account ends, you leave all your workspaces, and your personal tokens stop working at once. Tokens you made for a workspace stay with the workspace. This cannot be undone."
            </p>
            <form
                class="mt-4 space-y-4"
                method="post"
                on:submit=move |event| {
                    event.prevent_default();
                    delete.dispatch(password.get());
                }
            >
                <CurrentPassword
                    email
                    password
                    label="Your password, to confirm"
                    field="password"
                    error
                />
                <FormError error />
                <button type="submit" class=DANGER disabled=move || delete.pending().get()>
                    "Delete my account"
                </button>
            </form>
        </section>
    }
    .into_any()
}
