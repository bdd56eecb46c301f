//! The token table's parts: its header cells (which sort by asking the server for another
//! order), and a token's row with its buttons.

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    cells::{
        Expiry, GuardBadges, Guards, LastUsed, MaskedToken, StatusBadge, permissions_text,
        row_button, row_class,
    },
    rotate::RotatingNote,
};
use crate::{
    app::frame::widgets::LocalTime,
    domain::{
        revoke::RevokeAction,
        time::relative,
        token::{HiddenColumns, TokenColumn, TokenStatus},
        token_list::{SortField, TokenSort},
    },
    model::TokenView,
};

/// Which dialog is open.
#[derive(Clone, PartialEq)]
pub enum Open {
    Nothing,
    Create,
    Edit(TokenView),
    Delete(TokenView),
    /// Disable or delete the selected tokens (these ids).
    Bulk(RevokeAction, Vec<Uuid>),
    /// Disable the tokens unused since a date.
    Unused,
    Rotate(TokenView),
}

/// What the headers and rows share with the page: the columns shown, the sort, the open
/// dialog, the row buttons' actions, and the rows selected for a bulk action (with their
/// column only for those who may disable or delete tokens).
#[derive(Clone, Copy)]
pub struct TableState {
    pub hidden: RwSignal<HiddenColumns>,
    /// The order the page is in, and what asks for another.
    pub sort: TokenSort,
    pub sort_by: Callback<TokenSort>,
    pub open: RwSignal<Open>,
    pub toggle: Action<TokenView, ()>,
    pub copy: Action<TokenView, ()>,
    pub selectable: bool,
    pub selected: RwSignal<Vec<Uuid>>,
}

impl TableState {
    pub fn is_hidden(self, column: TokenColumn) -> bool {
        self.hidden.with(|h| h.is_hidden(column))
    }
}

/// A column's header: a button that sorts by it, for the columns an order can follow.
pub fn header(state: TableState, column: TokenColumn) -> impl IntoView {
    let field = SortField::of_column(column);
    let current = field.filter(|f| *f == state.sort.field);
    let indicator = match current {
        Some(_) if state.sort.descending => " ▼",
        Some(_) => " ▲",
        None => "",
    };
    let aria_sort = match current {
        Some(_) if state.sort.descending => "descending",
        Some(_) => "ascending",
        None => "none",
    };
    view! {
        <th
            class=("hidden", move || state.is_hidden(column))
            class="px-3 py-2 font-medium"
            aria-sort=aria_sort
            data-column=format!("{column:?}")
        >
            {if let Some(field) = field {
                // Again on the column the order is by: the other way round.
                let next = match current {
                    Some(_) => TokenSort::new(field, !state.sort.descending),
                    None => field.first_sort(),
                };
                view! {
                    <button
                        type="button"
                        class="uppercase hover:text-slate-800"
                        on:click=move |_| state.sort_by.run(next)
                    >
                        {column.title()}
                        {indicator}
                    </button>
                }
                    .into_any()
            } else {
                view! { <span class="uppercase">{column.title()}</span> }.into_any()
            }}
        </th>
    }
}

/// The selection column's header: selects every row the search shows, or clears them.
pub fn select_all(state: TableState, shown: Memo<Vec<Uuid>>) -> impl IntoView {
    let all = move || {
        shown.with(|shown| {
            !shown.is_empty()
                && state
                    .selected
                    .with(|s| shown.iter().all(|id| s.contains(id)))
        })
    };
    state.selectable.then(|| {
        view! {
            <th class="w-8 px-3 py-2">
                <input
                    type="checkbox"
                    aria-label="Select all"
                    prop:checked=all
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        let shown = shown.get_untracked();
                        state.selected.update(|selected| {
                            selected.retain(|id| !shown.contains(id));
                            if on {
                                selected.extend(shown);
                            }
                        });
                    }
                />
            </th>
        }
    })
}

/// A row's selection cell.
fn select_one(state: TableState, token: &TokenView) -> impl IntoView + use<> {
    let id = token.id;
    let label = format!("Select {}", token.label);
    state.selectable.then(|| {
        view! {
            <td class="w-8 px-3 py-3 align-top">
                <input
                    type="checkbox"
                    aria-label=label
                    prop:checked=move || state.selected.with(|s| s.contains(&id))
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        state.selected.update(|selected| {
                            selected.retain(|other| *other != id);
                            if on {
                                selected.push(id);
                            }
                        });
                    }
                />
            </td>
        }
    })
}

/// A token's row; its buttons only for what the viewer may do (the server checks again).
pub fn row(state: TableState, now: i64, token: TokenView) -> impl IntoView {
    let status = token.status;
    let cell = move |column: TokenColumn| {
        let hide = move || state.is_hidden(column);
        move |content: AnyView| {
            view! {
                <td class=("hidden", hide) class="px-3 py-3 align-top" data-column=format!("{column:?}")>
                    {content}
                </td>
            }
        }
    };
    let (delete_token, toggle_token, copy_token) = (token.clone(), token.clone(), token.clone());
    let label = token.label.as_str();
    let actions = view! {
        <div class="flex flex-wrap gap-1">
            {token.may_copy.then(|| row_button("Copy", label, false, move || {
                state.copy.dispatch(copy_token.clone());
            }))}
            {dialog_button(state, token.may_edit, "Edit", label, Open::Edit(token.clone()))}
            {dialog_button(state, token.may_rotate, "Rotate", label, Open::Rotate(token.clone()))}
            {token.may_disable.then(|| {
                let verb = if status == TokenStatus::Disabled { "Enable" } else { "Disable" };
                row_button(verb, label, false, move || {
                    state.toggle.dispatch(toggle_token.clone());
                })
            })}
            {token.may_delete.then(|| row_button("Delete", label, true, move || {
                state.open.set(Open::Delete(delete_token.clone()))
            }))}
        </div>
    };
    view! {
        <tr class=row_class(status) data-testid="token-row" data-status=status.label()>
            {select_one(state, &token)}
            {cell(TokenColumn::Label)(view! { <span class="font-medium">{token.label.clone()}</span> }.into_any())}
            {cell(TokenColumn::Token)(view! { <MaskedToken prefix=token.display_prefix.clone() /> }.into_any())}
            {cell(TokenColumn::Scope)(view! {
                <span class="block">{token.scope.label()}</span>
                {token.permissions.map(|set| view! {
                    <span class="block text-xs text-slate-500" data-testid="token-permissions">
                        {permissions_text(set)}
                    </span>
                })}
            }.into_any())}
            {cell(TokenColumn::Created)(view! {
                <LocalTime ms=token.created_at now />
                <span class="block text-xs text-slate-500">{token.created_by.clone().map(|name| format!("by {name}"))}</span>
            }.into_any())}
            {cell(TokenColumn::Expires)(view! { <Expiry expires_at=token.expires_at now /> }.into_any())}
            {cell(TokenColumn::LastUsed)(view! {
                <LastUsed at=token.last_used_at ip=token.last_used_ip.clone() now />
            }.into_any())}
            {cell(TokenColumn::Status)(view! {
                <StatusBadge status />
                {token.rotating.clone().filter(|_| status == TokenStatus::Active).map(|rotating| view! { <RotatingNote rotating now /> })}
                {token.over_policy.map(|from| view! {
                    <span
                        class="mt-1 block w-fit rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900"
                        data-testid="over-policy"
                        title="It does not expire within the workspace's maximum token lifetime."
                    >
                        {if from <= now { "Over policy — refused".to_owned() } else { format!("Over policy — refused {}", relative(from, now)) }}
                    </span>
                })}
                <GuardBadges guards=Guards::of(&token) />
            }.into_any())}
            {cell(TokenColumn::Actions)(actions.into_any())}
        </tr>
    }
}

/// A row button that opens a dialog about the token (`verb` names both), when the viewer
/// may use it.
fn dialog_button(
    state: TableState,
    allowed: bool,
    verb: &'static str,
    label: &str,
    open: Open,
) -> Option<impl IntoView + use<>> {
    allowed.then(|| row_button(verb, label, false, move || state.open.set(open.clone())))
}
