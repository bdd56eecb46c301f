//! The workspace's settings, for Administrators and Owners: its name, the IP allowlist new
//! tokens start with (`guards`), and its token policy (`policy`; Owners change it).

use leptos::prelude::*;

use super::{guards::DefaultAllowlistSection, policy::TokenPolicySection, rpc::rename_workspace};
use crate::{
    app::frame::{
        status::ErrorPanel,
        widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY, Toasts},
        workspace::use_workspace,
    },
    domain::{
        error::AppError,
        permission::{may_change_settings, may_change_token_policy},
    },
    model::WorkspaceSummary,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let workspace = use_workspace().untracked();
    if may_change_settings(workspace.role) {
        let (workspace_id, may_change) = (workspace.id, may_change_token_policy(workspace.role));
        view! {
            <SettingsForm workspace />
            <DefaultAllowlistSection workspace_id />
            <TokenPolicySection workspace_id may_change />
        }
        .into_any()
    } else {
        view! {
            <ErrorPanel error=AppError::Forbidden(
                "Only Administrators and Owners can change the workspace's settings.".into(),
            ) />
        }
        .into_any()
    }
}

#[component]
fn SettingsForm(workspace: WorkspaceSummary) -> impl IntoView {
    let toasts = Toasts::use_();
    let frame = use_workspace();
    let id = workspace.id;
    let name = RwSignal::new(workspace.name.clone());
    let save = Action::new(move |name: &String| {
        let name = name.clone();
        async move {
            let result = rename_workspace(id, name).await;
            if let Ok(renamed) = &result {
                toasts.success(format!("The workspace is now called {}.", renamed.name));
                frame.update(renamed.clone());
            }
            result
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <form
            class="max-w-md space-y-4"
            on:submit=move |event| {
                event.prevent_default();
                save.dispatch(name.get());
            }
        >
            <label class=LABEL>
                "Workspace name" <input class=INPUT name="workspace_name" bind:value=name />
            </label>
            <FieldError field="workspace_name" error />
            <FormError error />
            <p class="text-sm text-slate-600">
                "The change is recorded in the audit log. Tokens keep working; they report the new name."
            </p>
            <button type="submit" class=PRIMARY disabled=move || save.pending().get()>
                "Save"
            </button>
        </form>
    }
}
