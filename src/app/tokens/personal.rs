//! Below a workspace's own tokens, for its Administrators and Owners: the members' personal
//! tokens that may act in it — whose each is, what it may do here, whether it is approved,
//! its use — and "Remove", which takes this workspace from the token and mails its owner.
//! Where the workspace asks for approval, the tokens waiting for it come first, with
//! "Approve" and "Deny" (the owner is mailed either way). Never a secret, never Copy:
//! those stay with the owner.

use std::collections::HashSet;

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    cells::{
        Cell, GrantScope, MaskedToken, PersonalUseAndStatus, TokenTableFrame, row_button, row_class,
    },
    rows::Rows,
};
use crate::{
    app::{
        frame::widgets::{ConfirmDialog, SECONDARY, Toasts},
        personal_tokens::rpc::{
            decide_personal_token, get_workspace_personal_tokens, remove_personal_token,
        },
    },
    domain::error::AppError,
    model::{PersonalGrant, PersonalTokenView, ReachingTokensPage},
};

/// The personal tokens reaching the workspace `workspace_id` (named `workspace`), a page of
/// them as the server read them with the table (`now` its clock then); "Show more" reads the
/// next.
#[component]
pub fn PersonalTokens(
    workspace_id: Uuid,
    workspace: String,
    page: ReachingTokensPage,
    now: i64,
) -> impl IntoView {
    // The approval queue comes first: the server lists waiting tokens before the others.
    let list = Rows::new(page.tokens);
    let tokens = list.list;
    let total = RwSignal::new(page.total);
    let waiting = RwSignal::new(page.waiting);
    let next = RwSignal::new(page.next);
    let toasts = Toasts::use_();
    let decide = Action::new(move |(token, approve): &(PersonalTokenView, bool)| {
        let (token, approve) = (token.clone(), *approve);
        async move {
            match decide_personal_token(workspace_id, token.id, approve).await {
                Ok(decided) if approve => {
                    toasts.success(format!(
                        "\u{201c}{}\u{201d} may act here now; {} is mailed.",
                        token.label, token.owner_name
                    ));
                    list.replace(decided);
                    waiting.update(|n| *n = n.saturating_sub(1));
                }
                Ok(_) => {
                    toasts.success(format!(
                        "\u{201c}{}\u{201d} is denied here; {} is mailed.",
                        token.label, token.owner_name
                    ));
                    list.removed(token.id);
                    waiting.update(|n| *n = n.saturating_sub(1));
                    total.update(|n| *n = n.saturating_sub(1));
                }
                Err(error) => toasts.error(error.to_string()),
            }
        }
    });
    let more = Action::new(move |after: &String| {
        let after = after.clone();
        async move {
            match get_workspace_personal_tokens(workspace_id, Some(after)).await {
                Ok(page) => {
                    tokens.update(|list| {
                        // A token already shown (one approved meanwhile moves) stays once.
                        let shown: HashSet<Uuid> = list.iter().map(|t| t.id).collect();
                        list.extend(page.tokens.into_iter().filter(|t| !shown.contains(&t.id)));
                    });
                    total.set(page.total);
                    waiting.set(page.waiting);
                    next.set(page.next);
                }
                Err(error) => toasts.error(error.to_string()),
            }
        }
    });
    let removing = RwSignal::new(None::<PersonalTokenView>);
    let workspace = StoredValue::new(workspace);
    view! {
        <section class="mt-10" aria-labelledby="personal-tokens-heading">
            <h2 id="personal-tokens-heading" class="text-lg font-semibold">"Personal tokens"</h2>
            <p class="mt-1 mb-4 max-w-3xl text-sm text-slate-600">
                "Members' own tokens that may act in this workspace, each never above its owner's role here. Removing this workspace from one stops it here at once and mails its owner; it keeps working in their other workspaces."
            </p>
            {move || {
                let count = waiting.get();
                (count > 0)
                    .then(|| {
                        view! {
                            <p class="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="approval-queue">
                                {if count == 1 {
                                    "1 personal token waits for approval.".to_owned()
                                } else {
                                    format!("{count} personal tokens wait for approval.")
                                }}
                            </p>
                        }
                    })
            }}
            <Show
                when=move || !tokens.with(Vec::is_empty)
                fallback=|| {
                    view! {
                        <p class="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600" data-testid="no-personal-tokens">
                            "No member's personal token may act in this workspace."
                        </p>
                    }
                }
            >
                <TokenTableFrame
                    testid="workspace-personal-tokens"
                    columns=&["Owner", "Label", "Token", "Scope here", "Approval", "Last used", "Status", "Actions"]
                >
                    {move || {
                        tokens
                            .get()
                            .into_iter()
                            .map(|token| row(workspace_id, token, now, removing, decide))
                            .collect_view()
                    }}
                </TokenTableFrame>
                <div class="mt-3 flex items-center gap-4 text-sm text-slate-600">
                    <span data-testid="personal-tokens-count">
                        {move || {
                            let (shown, total) = (tokens.with(Vec::len), total.get());
                            if shown as u64 >= total {
                                format!("{total} personal token{}", if total == 1 { "" } else { "s" })
                            } else {
                                format!("Showing {shown} of {total} personal tokens")
                            }
                        }}
                    </span>
                    {move || {
                        next.get()
                            .map(|after| {
                                view! {
                                    <button
                                        type="button"
                                        class=SECONDARY
                                        data-testid="personal-tokens-more"
                                        disabled=move || more.pending().get()
                                        on:click=move |_| {
                                            more.dispatch(after.clone());
                                        }
                                    >
                                        {move || if more.pending().get() { "Loading…" } else { "Show more" }}
                                    </button>
                                }
                            })
                    }}
                </div>
            </Show>
            {move || {
                removing
                    .get()
                    .map(|token| {
                        view! {
                            <RemoveDialog
                                workspace_id
                                workspace=workspace.get_value()
                                token
                                on_close=move || removing.set(None)
                                on_removed=move |id: Uuid| {
                                    let pending = tokens.with(|list| {
                                        list.iter()
                                            .find(|t| t.id == id)
                                            .and_then(|t| here(t, workspace_id))
                                            .is_some_and(|grant| grant.pending)
                                    });
                                    if pending {
                                        waiting.update(|n| *n = n.saturating_sub(1));
                                    }
                                    total.update(|n| *n = n.saturating_sub(1));
                                    list.removed(id);
                                    removing.set(None);
                                }
                            />
                        }
                    })
            }}
        </section>
    }
}

/// The token's standing here (the server sends only this workspace's).
fn here(token: &PersonalTokenView, workspace_id: Uuid) -> Option<PersonalGrant> {
    token
        .workspaces
        .iter()
        .find(|grant| grant.workspace_id == workspace_id)
        .cloned()
}

fn row(
    workspace_id: Uuid,
    token: PersonalTokenView,
    now: i64,
    removing: RwSignal<Option<PersonalTokenView>>,
    decide: Action<(PersonalTokenView, bool), ()>,
) -> impl IntoView {
    let status = token.status;
    let grant = here(&token, workspace_id);
    let pending = grant.as_ref().is_some_and(|grant| grant.pending);
    let approval = if pending {
        view! { <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800">"Pending"</span> }
            .into_any()
    } else {
        view! { <span class="text-slate-700">"Approved"</span> }.into_any()
    };
    let removed = token.clone();
    let remove = row_button("Remove", &token.label, true, move || {
        removing.set(Some(removed.clone()))
    });
    let decisions = pending.then(|| {
        let (approved, denied) = (token.clone(), token.clone());
        view! {
            {row_button("Approve", &token.label, false, move || {
                decide.dispatch((approved.clone(), true));
            })}
            {row_button("Deny", &token.label, true, move || {
                decide.dispatch((denied.clone(), false));
            })}
        }
    });
    let use_and_status = view! { <PersonalUseAndStatus token=token.clone() now /> };
    view! {
        <tr
            class=row_class(status)
            data-testid="workspace-personal-token-row"
            data-status=status.label()
            data-approval=if pending { "pending" } else { "approved" }
        >
            <Cell column="Owner">
                <span class="block font-medium">{token.owner_name.clone()}</span>
                <span class="block text-xs text-slate-500">{token.owner_email.clone()}</span>
            </Cell>
            <Cell column="Label"><span class="font-medium">{token.label.clone()}</span></Cell>
            <Cell column="Token">
                <MaskedToken prefix=token.display_prefix.clone() />
            </Cell>
            <Cell column="Scope">
                {grant.map(|grant| view! { <GrantScope grant /> })}
            </Cell>
            <Cell column="Approval">{approval}</Cell>
            {use_and_status}
            <Cell column="Actions">{decisions}{remove}</Cell>
        </tr>
    }
}

/// "Remove Acme from Ada's token “ci”? Ada will be mailed."
#[component]
fn RemoveDialog(
    workspace_id: Uuid,
    workspace: String,
    token: PersonalTokenView,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_removed: Callback<Uuid>,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let token_id = token.id;
    let done = StoredValue::new(format!(
        "{workspace} is removed from {}'s token \u{201c}{}\u{201d}.",
        token.owner_name, token.label
    ));
    let remove = Action::new(move |_: &()| async move {
        remove_personal_token(workspace_id, token_id).await?;
        toasts.success(done.get_value());
        on_removed.run(token_id);
        Ok::<_, AppError>(())
    });
    let owner = token.owner_name;
    view! {
        <ConfirmDialog title="Remove personal token".to_owned() confirm="Remove" act=remove on_close>
            <p data-testid="remove-question">
                {format!(
                    "Remove {workspace} from {owner}'s token \u{201c}{}\u{201d}? {owner} will be mailed.",
                    token.label,
                )}
            </p>
            <p class="mt-2">"It stops working here at once and keeps working in the owner's other workspaces."</p>
        </ConfirmDialog>
    }
}
