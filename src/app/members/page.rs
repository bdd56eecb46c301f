//! The members page: everyone in the workspace, with their roles; Owners and
//! Administrators change roles, remove members and invite.

use leptos::prelude::*;

use super::{
    invitations::{Invitations, InviteDialog},
    rpc::{change_member_role, get_members, remove_member},
};
use crate::{
    app::frame::{
        status::{ErrorPanel, Loading},
        widgets::{DANGER, Dialog, PRIMARY, SECONDARY, SMALL, Toasts},
        workspace::use_workspace,
    },
    domain::role::Role,
    model::{Member, MembersPage as MembersData},
};

#[component]
pub fn MembersPage() -> impl IntoView {
    let workspace = use_workspace().id();
    let version = RwSignal::new(0u32);
    let page = Resource::new(move || version.get(), move |_| get_members(workspace));
    let reload = move || version.update(|v| *v += 1);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <MemberTable data reload /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MemberTable(
    data: MembersData,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = Toasts::use_();
    // The viewer's own role may have changed here: the frame's tabs follow.
    let frame = use_workspace();
    let latest = data.workspace.clone();
    Effect::new(move |_| frame.update(latest.clone()));
    let workspace_id = data.workspace.id;
    let can_manage = data.can_manage;
    let grantable = StoredValue::new(data.grantable_roles.clone());
    let adding = RwSignal::new(false);
    let change = Action::new(move |(member, role): &(Member, Role)| {
        let (member, role) = (member.clone(), *role);
        async move {
            match change_member_role(workspace_id, member.user_id, role).await {
                Ok(updated) => {
                    toasts.success(format!("{} is now {}.", updated.name, updated.role.label()));
                    reload();
                }
                Err(error) => {
                    toasts.error(error.to_string());
                    reload();
                }
            }
        }
    });
    let removing = RwSignal::new(None::<Member>);
    let remove = Action::new(move |member: &Member| {
        let member = member.clone();
        async move {
            match remove_member(workspace_id, member.user_id).await {
                Ok(()) => {
                    toasts.success(format!("{} was removed from the workspace.", member.name));
                    removing.set(None);
                    reload();
                }
                Err(error) => {
                    removing.set(None);
                    toasts.error(error.to_string());
                }
            }
        }
    });
    let invitations = data.invitations.clone();
    let now = data.now;
    let rows = data
        .members
        .into_iter()
        .map(|member| {
            let select_member = member.clone();
            let remove_member = member.clone();
            let role_cell = if can_manage && grantable.with_value(|g| g.contains(&member.role)) {
                view! {
                    <select
                        class="rounded-md border border-slate-300 px-2 py-1 text-sm"
                        aria-label=format!("Role of {}", member.name)
                        on:change=move |event| {
                            if let Ok(role) = event_target_value(&event).parse::<Role>() {
                                change.dispatch((select_member.clone(), role));
                            }
                        }
                    >
                        {grantable
                            .get_value()
                            .into_iter()
                            .map(|role| {
                                view! {
                                    <option value=role.as_str() selected=role == member.role>
                                        {role.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                }
                .into_any()
            } else {
                view! { <span>{member.role.label()}</span> }.into_any()
            };
            let may_remove = can_manage && grantable.with_value(|g| g.contains(&member.role));
            view! {
                <tr data-testid="member-row">
                    <td class="px-4 py-3 font-medium">{member.name.clone()}</td>
                    <td class="px-4 py-3 text-slate-600">{member.email.clone()}</td>
                    <td class="px-4 py-3">{role_cell}</td>
                    <Show when=move || can_manage>
                        <td class="px-4 py-3 text-right">
                            {may_remove
                                .then(|| {
                                    let member = remove_member.clone();
                                    view! {
                                        <button
                                            type="button"
                                            class=SMALL
                                            on:click=move |_| removing.set(Some(member.clone()))
                                        >
                                            "Remove"
                                        </button>
                                    }
                                })}
                        </td>
                    </Show>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="mb-4 flex items-center justify-between">
            <p class="text-sm text-slate-600">
                "Everyone in the workspace sees this list; Owners and Administrators manage it."
            </p>
            <Show when=move || can_manage>
                <button type="button" class=PRIMARY on:click=move |_| adding.set(true)>
                    "Invite member"
                </button>
            </Show>
        </div>
        <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-4 py-2">"Name"</th>
                    <th class="px-4 py-2">"Email"</th>
                    <th class="px-4 py-2">"Role"</th>
                    <Show when=move || can_manage>
                        <th class="px-4 py-2 text-right">"Actions"</th>
                    </Show>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-200">{rows}</tbody>
        </table>
        <Show when=move || can_manage>
            <Invitations workspace_id invitations=invitations.clone() now reload />
        </Show>
        <Show when=move || adding.get()>
            <InviteDialog
                workspace_id
                roles=grantable.get_value()
                on_close=move || adding.set(false)
                on_added=move || reload()
            />
        </Show>
        {move || {
            removing
                .get()
                .map(|member| {
                    let target = member.clone();
                    view! {
                        <Dialog title="Remove member".to_owned() on_close=move || removing.set(None)>
                            <p class="text-sm text-slate-700">
                                {format!(
                                    "Remove {} ({}) from this workspace? They lose access at once; tokens they created keep working.",
                                    member.name,
                                    member.email,
                                )}
                            </p>
                            <div class="mt-6 flex justify-end gap-3">
                                <button type="button" class=SECONDARY on:click=move |_| removing.set(None)>
                                    "Cancel"
                                </button>
                                <button
                                    type="button"
                                    class=DANGER
                                    on:click=move |_| {
                                        remove.dispatch(target.clone());
                                    }
                                >
                                    "Remove"
                                </button>
                            </div>
                        </Dialog>
                    }
                })
        }}
    }
}
