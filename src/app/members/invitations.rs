//! Invitations as their workspace's managers see them: the open and recent ones (Resend,
//! Revoke), and the dialog that sends a new one.

use leptos::prelude::*;
use uuid::Uuid;

use super::rpc::{invite_member, resend_invitation, revoke_invitation};
use crate::{
    app::frame::widgets::{
        Dialog, FieldError, FormError, INPUT, LABEL, PRIMARY, SECONDARY, SMALL, Toasts,
    },
    domain::role::Role,
    model::{Invitation, InvitationStatus, SentInvitation},
};

/// Open and recent invitations, with Resend and Revoke for the open ones.
#[component]
pub fn Invitations(
    workspace_id: Uuid,
    invitations: Vec<Invitation>,
    now: i64,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let shown = RwSignal::new(None::<SentInvitation>);
    let resend = Action::new(move |id: &Uuid| {
        let id = *id;
        async move {
            match resend_invitation(workspace_id, id).await {
                Ok(sent) => {
                    toasts.success(format!(
                        "The invitation to {} was sent again.",
                        sent.invitation.email
                    ));
                    if sent.link.is_some() {
                        shown.set(Some(sent));
                    } else {
                        reload();
                    }
                }
                Err(error) => toasts.error(error.to_string()),
            }
        }
    });
    let revoke = Action::new(move |(id, email): &(Uuid, String)| {
        let (id, email) = (*id, email.clone());
        async move {
            match revoke_invitation(workspace_id, id).await {
                Ok(()) => {
                    toasts.success(format!(
                        "The invitation to {email} was revoked; its link no longer works."
                    ));
                    reload();
                }
                Err(error) => toasts.error(error.to_string()),
            }
        }
    });
    if invitations.is_empty() {
        return ().into_any();
    }
    let rows = invitations
        .into_iter()
        .map(|invitation| {
            let open = matches!(invitation.status, InvitationStatus::Pending | InvitationStatus::Expired);
            let id = invitation.id;
            let email = invitation.email.clone();
            view! {
                <tr data-testid="invitation-row">
                    <td class="px-4 py-3">{invitation.email.clone()}</td>
                    <td class="px-4 py-3">{invitation.role.label()}</td>
                    <td class="px-4 py-3 text-slate-600">{invitation.invited_by.clone()}</td>
                    <td class="px-4 py-3">
                        <span data-testid="invitation-status">{invitation.status.label()}</span>
                        {(invitation.status == InvitationStatus::Pending)
                            .then(|| {
                                view! {
                                    <span class="block text-xs text-slate-500">
                                        {format!("expires {}", crate::domain::time::relative(invitation.expires_at, now))}
                                    </span>
                                }
                            })}
                    </td>
                    <td class="px-4 py-3 text-right">
                        {open
                            .then(|| {
                                let email = email.clone();
                                view! {
                                    <button type="button" class=SMALL on:click=move |_| { resend.dispatch(id); }>
                                        "Resend"
                                    </button>
                                    " "
                                    <button
                                        type="button"
                                        class=SMALL
                                        on:click=move |_| { revoke.dispatch((id, email.clone())); }
                                    >
                                        "Revoke"
                                    </button>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2 class="mt-10 mb-3 text-lg font-semibold">"Invitations"</h2>
        <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-4 py-2">"Email"</th>
                    <th class="px-4 py-2">"Role"</th>
                    <th class="px-4 py-2">"Invited by"</th>
                    <th class="px-4 py-2">"Status"</th>
                    <th class="px-4 py-2 text-right">"Actions"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-200">{rows}</tbody>
        </table>
        {move || {
            shown
                .get()
                .map(|sent| {
                    view! {
                        <Dialog title="Invitation link".to_owned() on_close=move || { shown.set(None); reload(); }>
                            <InvitationLink sent />
                            <div class="mt-6 flex justify-end">
                                <button type="button" class=PRIMARY on:click=move |_| { shown.set(None); reload(); }>
                                    "Done"
                                </button>
                            </div>
                        </Dialog>
                    }
                })
        }}
    }
    .into_any()
}

/// What the person who invited learns: mailed, or (without a mail relay) the link itself,
/// shown this once.
#[component]
fn InvitationLink(sent: SentInvitation) -> impl IntoView {
    let email = sent.invitation.email.clone();
    match sent.link {
        None => view! {
            <p class="text-sm" data-testid="invitation-sent">
                {format!(
                    "An invitation was mailed to {email}. They join as {} when they accept it (within 7 days).",
                    sent.invitation.role.label(),
                )}
            </p>
        }
        .into_any(),
        Some(link) => view! {
            <div class="space-y-2 text-sm">
                <p>
                    {format!(
                        "No mail relay is configured, so pass this link to {email} yourself. It is shown only now and works once, for 7 days.",
                    )}
                </p>
                <code class="block select-all break-all rounded bg-slate-100 p-2 font-mono" data-testid="invitation-link">
                    {link}
                </code>
                <p class="rounded-md border border-amber-300 bg-amber-50 p-2 text-amber-900">
                    "Anyone holding this link can join the workspace as the invited person: send it only to them, over a channel you trust."
                </p>
            </div>
        }
        .into_any(),
    }
}

#[component]
pub fn InviteDialog(
    workspace_id: Uuid,
    roles: Vec<Role>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_added: Callback<()>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let invite = Action::new(move |(email, role): &(String, Role)| {
        let (email, role) = (email.clone(), *role);
        // The list reloads when the dialog closes: reloading now would close it before a
        // link shown once has been read.
        async move { invite_member(workspace_id, email, role).await }
    });
    let error = Signal::derive(move || invite.value().get().and_then(Result::err));
    view! {
        <Dialog title="Invite member".to_owned() on_close>
            {move || match invite.value().get() {
                Some(Ok(sent)) => {
                    view! {
                        <div class="space-y-3 text-sm">
                            <InvitationLink sent />
                            <div class="flex justify-end">
                                <button
                                    type="button"
                                    class=PRIMARY
                                    on:click=move |_| {
                                        on_added.run(());
                                        on_close.run(());
                                    }
                                >
                                    "Done"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
                _ => {
                    let roles = roles.clone();
                    view! {
                        <form
                            class="space-y-4"
                            method="post"
                            on:submit=move |event| {
                                event.prevent_default();
                                invite.dispatch((email.get(), role.get()));
                            }
                        >
                            <p class="text-sm text-slate-600">
                                "They get a link by mail and join when they accept it. Nobody is made a member, and no account is made, without them."
                            </p>
                            <label class=LABEL>
                                "Email" <input class=INPUT name="email" type="email" bind:value=email />
                            </label>
                            <FieldError field="email" error />
                            <label class=LABEL>
                                "Role"
                                <select
                                    class=INPUT
                                    name="role"
                                    on:change=move |event| {
                                        if let Ok(value) = event_target_value(&event).parse() {
                                            role.set(value);
                                        }
                                    }
                                >
                                    {roles
                                        .into_iter()
                                        .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                                        .collect_view()}
                                </select>
                            </label>
                            <FieldError field="role" error />
                            <FormError error />
                            <div class="flex justify-end gap-3">
                                <button type="button" class=SECONDARY on:click=move |_| on_close.run(())>
                                    "Cancel"
                                </button>
                                <button type="submit" class=PRIMARY disabled=move || invite.pending().get()>
                                    "Send invitation"
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
            }}
        </Dialog>
    }
}
