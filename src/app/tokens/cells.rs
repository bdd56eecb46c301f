//! What every token table draws the same way — a workspace's own tokens, a person's
//! personal tokens, and the personal tokens an Administrator sees: the row's tint, the
//! masked secret, the expiry (red when past or near), the last use, the status badge and
//! the small row buttons.

use leptos::prelude::*;

use crate::{
    app::frame::widgets::{LocalTime, SMALL},
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        token::{TokenStatus, expiry_is_near},
        token_format::masked,
    },
    model::PersonalGrant,
};

/// The row's tint: dimmed while disabled, red once expired.
pub fn row_class(status: TokenStatus) -> &'static str {
    match status {
        TokenStatus::Disabled => "opacity-50",
        TokenStatus::Expired => "bg-red-50 text-red-800",
        TokenStatus::Active => "",
    }
}

/// `read, write`: a permission set as the tables list it.
pub fn permissions_text(set: PermissionSet) -> String {
    set.iter()
        .map(ApiPermission::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The secret's first characters and the dots that stand for the rest.
#[component]
pub fn MaskedToken(prefix: String) -> impl IntoView {
    view! { <code class="font-mono text-xs" data-testid="masked-token">{masked(&prefix)}</code> }
}

/// When the token stops working; red when that is past or within the first reminder's
/// reach (from the page's `now`, so the server's HTML and the browser agree).
#[component]
pub fn Expiry(expires_at: Option<i64>, now: i64) -> impl IntoView {
    match expires_at {
        Some(at) => {
            let near = expiry_is_near(Some(at), now);
            view! {
                <span class=("text-red-700", near) data-near=near.to_string()>
                    <LocalTime ms=at now />
                </span>
            }
            .into_any()
        }
        None => view! { <span class="text-slate-500">"Not specified"</span> }.into_any(),
    }
}

/// When and from where the token was last used.
#[component]
pub fn LastUsed(at: Option<i64>, ip: Option<String>, now: i64) -> impl IntoView {
    match at {
        Some(at) => view! {
            <LocalTime ms=at now />
            <span class="block text-xs text-slate-500">{ip}</span>
        }
        .into_any(),
        None => view! { <span class="text-slate-500">"Never"</span> }.into_any(),
    }
}

#[component]
pub fn StatusBadge(status: TokenStatus) -> impl IntoView {
    let class = match status {
        TokenStatus::Active => {
            "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800"
        }
        TokenStatus::Expired => {
            "rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800"
        }
        TokenStatus::Disabled => {
            "rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700"
        }
    };
    view! { <span class=class>{status.label()}</span> }
}

/// A row's small button, named for screen readers by its verb and the token's label
/// ("Edit ci"); red when it takes something away.
pub fn row_button<F>(
    verb: &'static str,
    label: &str,
    danger: bool,
    on_click: F,
) -> impl IntoView + use<F>
where
    F: Fn() + 'static,
{
    let class = if danger {
        "rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
    } else {
        SMALL
    };
    view! {
        <button type="button" class=class aria-label=format!("{verb} {label}") on:click=move |_| on_click()>
            {verb}
        </button>
    }
}

/// A personal token's standing in one workspace: the scope it was given there, what it acts
/// with when its owner's role there is lower now, and its chosen permissions.
#[component]
pub fn GrantScope(grant: PersonalGrant) -> impl IntoView {
    view! {
        <span class="block" data-testid="grant-scope">{grant.scope.label()}</span>
        {(grant.acting_scope < grant.scope)
            .then(|| {
                view! {
                    <span class="block text-xs text-amber-800" data-testid="acting-scope">
                        {format!("acting as {}", grant.acting_scope.label())}
                    </span>
                }
            })}
        {grant
            .permissions
            .map(|set| {
                view! {
                    <span class="block text-xs text-slate-500" data-testid="token-permissions">
                        {permissions_text(set)}
                    </span>
                }
            })}
    }
}

/// A token table of fixed columns (`columns`, their titles) around its rows (`children`,
/// the `<tr>`s), as every token table looks.
#[component]
pub fn TokenTableFrame(
    testid: &'static str,
    columns: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table class="w-full text-left text-sm" data-testid=testid>
                <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                    <tr>
                        {columns
                            .iter()
                            .map(|title| view! { <th class="px-3 py-2 font-medium">{*title}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200">{children()}</tbody>
            </table>
        </div>
    }
}

/// A cell of a token table's row, named by its `column` (for tests and styles).
#[component]
pub fn Cell(column: &'static str, children: Children) -> impl IntoView {
    view! {
        <td class="px-3 py-3 align-top" data-column=column>
            {children()}
        </td>
    }
}

/// A row's "Last used" and "Status" cells, side by side in every token table but the
/// workspace's own (where each may be hidden).
#[component]
pub fn UseAndStatus(
    at: Option<i64>,
    ip: Option<String>,
    status: TokenStatus,
    now: i64,
) -> impl IntoView {
    view! {
        <Cell column="LastUsed">
            <LastUsed at ip now />
        </Cell>
        <Cell column="Status">
            <StatusBadge status />
        </Cell>
    }
}
