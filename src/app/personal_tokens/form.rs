//! The one form that makes and edits a personal token: its label and expiry, for each of
//! the person's workspaces whether the token may act there, with a scope no higher than
//! their role there and, if they like, fewer permissions, the addresses it may be used
//! from and its rate limit.

use leptos::prelude::*;

use crate::{
    app::{
        frame::widgets::{FieldError, FormButtons, FormError, LABEL},
        tokens::fields::{
            AllowedIpsField, ExpiryField, LabelField, PermissionsField, RateFields, RateLimitField,
            ScopeField, typed_entries,
        },
    },
    domain::{api_permission::PermissionSet, error::AppError, role::Role},
    model::{GrantInput, PersonalTokenInput, PersonalTokenView, WorkspaceSummary},
};

/// One workspace's part of the form.
#[derive(Clone)]
pub struct GrantDraft {
    workspace: WorkspaceSummary,
    chosen: RwSignal<bool>,
    scope: RwSignal<Role>,
    permissions: RwSignal<Option<PermissionSet>>,
    /// The scope the token was given here when the person's role is below it now: the form
    /// offers at most their role, and says so.
    above_role: Option<Role>,
}

/// What the form holds: label, expiry date as typed, and one part per workspace.
#[derive(Clone)]
pub struct PersonalDraft {
    label: RwSignal<String>,
    expiry: RwSignal<String>,
    grants: Vec<GrantDraft>,
    /// The allowed addresses as typed.
    allowed_ips: RwSignal<String>,
    rate: RateFields,
}

/// What the form asks for when sent, its expiry still the date as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    pub label: String,
    pub expiry: String,
    pub workspaces: Vec<GrantInput>,
    pub allowed_ips: Vec<String>,
    /// The rate limit's requests as typed and its window.
    pub rate_requests: String,
    pub rate_window: u32,
}

impl Asked {
    /// The token asked for, its expiry read from the date by the dialog.
    pub fn input(self, expires_at: Option<i64>) -> Result<PersonalTokenInput, AppError> {
        Ok(PersonalTokenInput {
            rate_limit: RateFields::typed(&self.rate_requests, self.rate_window, "rate_limit")?,
            label: self.label,
            expires_at,
            workspaces: self.workspaces,
            allowed_ips: Some(self.allowed_ips),
        })
    }
}

impl PersonalDraft {
    /// For a new token: no workspace ticked yet, each offering the lowest scope first.
    pub fn new(workspaces: &[WorkspaceSummary]) -> PersonalDraft {
        PersonalDraft {
            label: RwSignal::new(String::new()),
            expiry: RwSignal::new(String::new()),
            grants: workspaces
                .iter()
                .map(|workspace| GrantDraft {
                    workspace: workspace.clone(),
                    chosen: RwSignal::new(false),
                    scope: RwSignal::new(Role::Viewer),
                    permissions: RwSignal::new(None),
                    above_role: None,
                })
                .collect(),
            allowed_ips: RwSignal::new(String::new()),
            rate: RateFields::new(None),
        }
    }

    /// For editing `token`, its expiry date as the date field shows it (`expiry`).
    pub fn of(
        token: &PersonalTokenView,
        expiry: String,
        workspaces: &[WorkspaceSummary],
    ) -> PersonalDraft {
        let mut draft = PersonalDraft::new(workspaces);
        draft.label.set(token.label.clone());
        draft.expiry.set(expiry);
        draft.allowed_ips.set(token.allowed_ips.join("\n"));
        draft.rate = RateFields::new(token.rate_limit);
        for part in &mut draft.grants {
            let role = part.workspace.role;
            if let Some(grant) = token
                .workspaces
                .iter()
                .find(|g| g.workspace_id == part.workspace.id)
            {
                part.chosen.set(true);
                part.scope.set(grant.scope.min(role));
                part.permissions.set(grant.permissions);
                part.above_role = (grant.scope > role).then_some(grant.scope);
            }
        }
        draft
    }

    fn asked(&self) -> Asked {
        Asked {
            label: self.label.get(),
            expiry: self.expiry.get(),
            workspaces: self
                .grants
                .iter()
                .filter(|part| part.chosen.get())
                .map(|part| GrantInput {
                    workspace_id: part.workspace.id,
                    scope: part.scope.get(),
                    permissions: part.permissions.get(),
                })
                .collect(),
            allowed_ips: typed_entries(&self.allowed_ips.get()),
            rate_requests: self.rate.requests.get(),
            rate_window: self.rate.window.get(),
        }
    }
}

/// The create and edit dialogs' form: submitting dispatches `action` with what it asks.
#[component]
pub fn PersonalTokenForm<O>(
    action: Action<Asked, O>,
    draft: PersonalDraft,
    error: Signal<Option<AppError>>,
    on_close: Callback<()>,
    submit: &'static str,
) -> impl IntoView
where
    O: Send + Sync + 'static,
{
    let (label, expiry, allowed_ips, rate) =
        (draft.label, draft.expiry, draft.allowed_ips, draft.rate);
    let parts = draft
        .grants
        .iter()
        .cloned()
        .map(|grant| view! { <GrantField grant /> })
        .collect_view();
    view! {
        <form
            class="space-y-3"
            on:submit=move |event| {
                event.prevent_default();
                action.dispatch(draft.asked());
            }
        >
            <LabelField label error hint="What uses this token, such as \u{201c}laptop\u{201d}. Unique among your tokens." />
            <ExpiryField expiry error />
            <fieldset class="space-y-2">
                <legend class=LABEL>"Workspaces"</legend>
                <p class="text-xs text-slate-500">
                    "Where the token may act, each with a scope no higher than your role there. It never acts with more than your role there at the time."
                </p>
                {parts}
            </fieldset>
            <FieldError field="workspaces" error />
            <FieldError field="permissions" error />
            <AllowedIpsField
                allowed_ips
                error
                field="allowed_ips"
                title="Allowed IP addresses (optional)"
                hint="Addresses or CIDR ranges, one a line, at most 32. Calls from anywhere else are refused, in every workspace. Leave empty to allow any address."
            />
            <RateLimitField
                rate
                error
                field="rate_limit"
                title="Rate limit (optional)"
                hint="Requests allowed per window, over all its workspaces, in bursts of up to that many; over it the API answers 429. Leave empty for no limit."
            />
            <FormError error />
            <FormButtons on_close pending=action.pending() submit />
        </form>
    }
}

/// One workspace: ticked, the token may act there, with the scope and permissions chosen.
#[component]
fn GrantField(grant: GrantDraft) -> impl IntoView {
    let GrantDraft {
        workspace,
        chosen,
        scope,
        permissions,
        above_role,
    } = grant;
    let id = workspace.id;
    let name = workspace.name;
    let role = workspace.role;
    let details = {
        let name = name.clone();
        move || {
            chosen.get().then(|| {
                view! {
                    <div class="mt-2 space-y-2 pl-6">
                        <ScopeField
                            scope
                            scopes=role.at_or_below().collect()
                            id=format!("grant-{id}-scope")
                            title=format!("Scope in {name}")
                        />
                        <PermissionsField
                            permissions
                            scope
                            id=format!("grant-{id}-permissions")
                            title=format!("Permissions in {name}")
                        />
                    </div>
                }
            })
        }
    };
    view! {
        <div class="rounded-md border border-slate-200 p-3" data-testid="grant-field">
            <label class="flex items-center gap-2 text-sm font-medium">
                <input type="checkbox" aria-label=name.clone() bind:checked=chosen />
                {name.clone()}
                <span class="text-xs font-normal text-slate-500">{format!("you are {}", role.label())}</span>
            </label>
            {above_role
                .map(|given| {
                    view! {
                        <p class="mt-1 pl-6 text-xs text-amber-800">
                            {format!(
                                "It was given {} here, above your role now: it acts as {} and saving keeps it at most {}.",
                                given.label(),
                                role.label(),
                                role.label(),
                            )}
                        </p>
                    }
                })}
            {details}
        </div>
    }
}
