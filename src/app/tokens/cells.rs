//! What every token table draws the same way — a workspace's own tokens, a person's
//! personal tokens, and the personal tokens an Administrator sees: the row's tint, the
//! masked secret, the expiry (red when past or near), the last use, the status badge with
//! what guards the token (and whether it leaked), and the small row buttons.

use leptos::prelude::*;

use crate::{
    app::frame::widgets::{LocalTime, SMALL},
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        leak::Leak,
        rate_limit::RateLimit,
        time::utc,
        token::{TokenStatus, expiry_is_near},
        token_format::masked,
    },
    model::{PersonalGrant, PersonalTokenView, TokenView},
};

/// What a token is held to, and whether it leaked: badges under its status.
#[derive(Clone, Debug, Default)]
pub struct Guards {
    pub leak: Option<Leak>,
    pub allowed_ips: Vec<String>,
    pub rate_limit: Option<RateLimit>,
}

impl Guards {
    pub fn of(token: &TokenView) -> Guards {
        Guards {
            leak: token.leak.clone(),
            allowed_ips: token.allowed_ips.clone(),
            rate_limit: token.rate_limit,
        }
    }

    pub fn of_personal(token: &PersonalTokenView) -> Guards {
        Guards {
            leak: token.leak.clone(),
            allowed_ips: token.allowed_ips.clone(),
            rate_limit: token.rate_limit,
        }
    }
}

/// "Reported as leaked — found at …", "Only from …", "At most 600 per minute".
#[component]
pub fn GuardBadges(guards: Guards) -> impl IntoView {
    const BADGE: &str =
        "mt-1 block w-fit rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700";
    let Guards {
        leak,
        allowed_ips,
        rate_limit,
    } = guards;
    view! {
        {leak.map(|leak| view! {
            <span
                class="mt-1 block w-fit max-w-64 truncate rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900"
                data-testid="leaked"
                title=format!(
                    "Reported as leaked by {} on {}. It cannot be enabled again: rotate it or create a new token.",
                    leak.source.label(),
                    utc(leak.at),
                )
            >
                {match &leak.location {
                    Some(location) => format!("Reported as leaked — found at {location}"),
                    None => format!("Reported as leaked by {}", leak.source.label()),
                }}
            </span>
        })}
        {(!allowed_ips.is_empty()).then(|| view! {
            <span class=BADGE data-testid="ip-restricted" title=format!("Usable only from {}", allowed_ips.join(", "))>
                {match allowed_ips.len() {
                    1 => format!("Only from {}", allowed_ips[0]),
                    n => format!("Only from {n} addresses"),
                }}
            </span>
        })}
        {rate_limit.map(|limit| view! {
            <span
                class=BADGE
                data-testid="rate-limited"
                title="Requests over this rate are refused with 429 until quota frees up."
            >
                {format!("At most {limit}")}
            </span>
        })}
    }
}

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
    guards: Guards,
    now: i64,
) -> impl IntoView {
    view! {
        <Cell column="LastUsed">
            <LastUsed at ip now />
        </Cell>
        <Cell column="Status">
            <StatusBadge status />
            <GuardBadges guards />
        </Cell>
    }
}

/// A personal token's "Last used" and "Status" cells, in both tables that list them.
#[component]
pub fn PersonalUseAndStatus(token: PersonalTokenView, now: i64) -> impl IntoView {
    let guards = Guards::of_personal(&token);
    view! {
        <UseAndStatus
            at=token.last_used_at
            ip=token.last_used_ip
            status=token.status
            guards
            now
        />
    }
}
