//! What every token table draws the same way: the row's tint, the masked secret, the
//! expiry (red when past or near), the last use, the status badge and the small row
//! buttons.

use leptos::prelude::*;

use crate::{
    app::frame::widgets::{LocalTime, SMALL},
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        token::{TokenStatus, expiry_is_near},
        token_format::masked,
    },
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
