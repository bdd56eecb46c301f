//! The start page (the user's workspaces) and the members page.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{
    session::{ErrorPanel, Loading, SignedIn, go_to},
    widgets::{Dialog, FieldError, FormError, INPUT, LABEL, PRIMARY, SECONDARY, SMALL, Toasts},
};
use crate::{
    domain::{
        error::AppError,
        permission::{may_audit, may_change_settings},
        role::Role,
    },
    model::{
        CurrentUser, Invitation, InvitationStatus, Member, MembersPage as MembersData,
        SentInvitation, WorkspaceSummary,
    },
    rpc::{
        change_member_role, create_workspace, get_members, get_workspace, invite_member,
        list_workspaces, remove_member, rename_workspace, resend_invitation, revoke_invitation,
    },
};

/// The workspace id in the address, if it is one.
pub fn workspace_param() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("workspace").and_then(|id| id.parse().ok())))
}

/// The workspace's title and its tabs (the audit and settings tabs only for those who may
/// use them; the server checks again).
#[component]
pub fn WorkspaceNav(workspace: WorkspaceSummary, current: &'static str) -> impl IntoView {
    let tab = |name: &'static str, path: String| {
        let class = if name == current {
            "border-b-2 border-indigo-600 px-1 pb-2 text-sm font-medium text-indigo-700"
        } else {
            "border-b-2 border-transparent px-1 pb-2 text-sm font-medium text-slate-500 hover:text-slate-800"
        };
        view! {
            <a href=path class=class aria-current=(name == current).then_some("page")>
                {name}
            </a>
        }
    };
    view! {
        <div class="mb-6">
            <p class="text-sm text-slate-500">
                <a href="/" class="hover:underline">"Workspaces"</a>
                " / "
                <span data-testid="workspace-role">{format!("You are {}", workspace.role.label())}</span>
            </p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight">{workspace.name.clone()}</h1>
            <nav class="mt-4 flex gap-6 border-b border-slate-200">
                {tab("Access tokens", format!("/workspace/{}/access-tokens", workspace.id))}
                {tab("Members", format!("/workspace/{}/members", workspace.id))}
                {may_audit(workspace.role)
                    .then(|| {
                        view! {
                            {tab("API access audit", format!("/workspace/{}/api-access", workspace.id))}
                            {tab("Audit log", format!("/workspace/{}/audit-log", workspace.id))}
                        }
                    })}
                {(workspace.role == Role::Owner)
                    .then(|| tab("Outbox", format!("/workspace/{}/outbox", workspace.id)))}
                {may_change_settings(workspace.role)
                    .then(|| tab("Settings", format!("/workspace/{}/settings", workspace.id)))}
            </nav>
        </div>
    }
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    view! {
        <SignedIn>
            <WorkspaceList />
        </SignedIn>
    }
}

#[component]
fn WorkspaceList() -> impl IntoView {
    let workspaces = Resource::new(|| (), |()| list_workspaces());
    let name = RwSignal::new(String::new());
    let create = Action::new(|name: &String| {
        let name = name.clone();
        async move {
            let result = create_workspace(name).await;
            if let Ok(workspace) = &result {
                go_to(&format!("/workspace/{}/access-tokens", workspace.id));
            }
            result
        }
    });
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let may_create = use_context::<CurrentUser>().is_some_and(|user| user.may_create_workspaces);
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"Your workspaces"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match workspaces.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="mt-4 text-slate-600">
                                "You are not a member of any workspace yet. Ask a workspace's administrator to invite you."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="mt-4 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
                                {list
                                    .into_iter()
                                    .map(|workspace| {
                                        view! {
                                            <li class="flex items-center justify-between px-4 py-3">
                                                <a
                                                    class="font-medium text-indigo-700 hover:underline"
                                                    href=format!("/workspace/{}/access-tokens", workspace.id)
                                                >
                                                    {workspace.name}
                                                </a>
                                                <span class="text-sm text-slate-500">{workspace.role.label()}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
        <Show when=move || may_create>
            <form
                class="mt-8 max-w-md space-y-2"
                method="post"
                on:submit=move |event| {
                    event.prevent_default();
                    create.dispatch(name.get());
                }
            >
                <label class=LABEL>
                    "New workspace" <input class=INPUT name="workspace_name" bind:value=name />
                </label>
                <FieldError field="workspace_name" error />
                <FormError error />
                <button type="submit" class=PRIMARY disabled=move || create.pending().get()>
                    "Create workspace"
                </button>
            </form>
        </Show>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    view! {
        <SignedIn>
            <Members />
        </SignedIn>
    }
}

#[component]
fn Members() -> impl IntoView {
    let workspace = workspace_param();
    let version = RwSignal::new(0u32);
    let page = Resource::new(
        move || (workspace.get(), version.get()),
        |(workspace, _)| async move {
            match workspace {
                Some(id) => get_members(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
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
        <WorkspaceNav workspace=data.workspace.clone() current="Members" />
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
                                    class=super::widgets::DANGER
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

/// Open and recent invitations, with Resend and Revoke for the open ones.
#[component]
fn Invitations(
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
fn InviteDialog(
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

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <SignedIn>
            <Settings />
        </SignedIn>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let workspace = workspace_param();
    let version = RwSignal::new(0u32);
    let summary = Resource::new(
        move || (workspace.get(), version.get()),
        |(workspace, _)| async move {
            match workspace {
                Some(id) => get_workspace(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(workspace) if may_change_settings(workspace.role) => {
                        view! { <SettingsForm workspace version /> }.into_any()
                    }
                    Ok(workspace) => {
                        view! {
                            <WorkspaceNav workspace current="Settings" />
                            <ErrorPanel error=AppError::Forbidden(
                                "Only Administrators and Owners can change the workspace's settings."
                                    .into(),
                            ) />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SettingsForm(workspace: WorkspaceSummary, version: RwSignal<u32>) -> impl IntoView {
    let toasts = Toasts::use_();
    let id = workspace.id;
    let name = RwSignal::new(workspace.name.clone());
    let save = Action::new(move |name: &String| {
        let name = name.clone();
        async move {
            let result = rename_workspace(id, name).await;
            if let Ok(renamed) = &result {
                toasts.success(format!("The workspace is now called {}.", renamed.name));
                version.update(|v| *v += 1);
            }
            result
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <WorkspaceNav workspace current="Settings" />
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
