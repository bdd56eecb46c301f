//! The fields the create and edit dialogs share: label, scope, permissions, expiry, the
//! addresses the token may be used from and its rate limit.

use leptos::prelude::*;

use crate::{
    app::frame::widgets::{FieldError, INPUT, LABEL, timezone_offset_minutes},
    domain::{
        api_permission::{ApiPermission, PermissionSet, presets},
        error::AppError,
        rate_limit::{RateLimit, RateLimitChoice, WINDOWS},
        role::Role,
        time::end_of_local_day,
        validation::LABEL_MAX,
    },
};

/// What the create and edit forms hold, as typed.
#[derive(Clone, Debug)]
pub struct Draft {
    pub label: String,
    pub scope: Role,
    /// The expiry date field (`YYYY-MM-DD`, or empty).
    pub expiry: String,
    pub permissions: Option<PermissionSet>,
    /// The allowed addresses, separated by commas, spaces or new lines (empty: any).
    pub allowed_ips: String,
    /// The rate limit's requests as typed (empty: no limit) and its window in seconds.
    pub rate_requests: String,
    pub rate_window: u32,
}

/// The form's fields, one signal each.
#[derive(Clone, Copy)]
pub struct Fields {
    pub label: RwSignal<String>,
    pub scope: RwSignal<Role>,
    pub expiry: RwSignal<String>,
    pub permissions: RwSignal<Option<PermissionSet>>,
    pub allowed_ips: RwSignal<String>,
    pub rate: RateFields,
}

/// A rate limit as a form holds it: the requests as typed and the window's seconds.
#[derive(Clone, Copy)]
pub struct RateFields {
    pub requests: RwSignal<String>,
    pub window: RwSignal<u32>,
}

impl RateFields {
    pub fn new(limit: Option<RateLimit>) -> RateFields {
        RateFields {
            requests: RwSignal::new(limit.map(|l| l.requests.to_string()).unwrap_or_default()),
            window: RwSignal::new(limit.map_or(60, |l| l.window_seconds)),
        }
    }

    /// The limit as typed: none when the requests are left empty. The server checks the
    /// range (and says what is wrong).
    pub fn typed(requests: &str, window: u32, field: &str) -> Result<Option<RateLimit>, AppError> {
        let requests = requests.trim();
        if requests.is_empty() {
            return Ok(None);
        }
        let requests: u32 = requests.parse().map_err(|_| {
            AppError::invalid(
                field,
                format!("Enter the requests allowed as a whole number from 1 to 1000000, or leave it empty for no limit (\u{201c}{requests}\u{201d} was typed)."),
            )
        })?;
        Ok(Some(RateLimit {
            requests,
            window_seconds: window,
        }))
    }
}

impl Fields {
    pub fn new(
        label: String,
        scope: Role,
        expiry: String,
        permissions: Option<PermissionSet>,
        allowed_ips: &[String],
        rate_limit: Option<RateLimit>,
    ) -> Fields {
        Fields {
            label: RwSignal::new(label),
            scope: RwSignal::new(scope),
            expiry: RwSignal::new(expiry),
            permissions: RwSignal::new(permissions),
            allowed_ips: RwSignal::new(allowed_ips.join("\n")),
            rate: RateFields::new(rate_limit),
        }
    }

    pub fn draft(&self) -> Draft {
        Draft {
            label: self.label.get(),
            scope: self.scope.get(),
            expiry: self.expiry.get(),
            permissions: self.permissions.get(),
            allowed_ips: self.allowed_ips.get(),
            rate_requests: self.rate.requests.get(),
            rate_window: self.rate.window.get(),
        }
    }
}

/// The token a draft asks for, its expiry already read from the date field. The list of
/// addresses and the rate limit go as typed; the server checks them (and says what is
/// wrong).
pub fn token_input(
    draft: Draft,
    expires_at: Option<i64>,
) -> Result<crate::model::TokenInput, AppError> {
    let allowed_ips = typed_entries(&draft.allowed_ips);
    let rate_limit = RateFields::typed(&draft.rate_requests, draft.rate_window, "rate_limit")?;
    Ok(crate::model::TokenInput {
        label: draft.label,
        scope: draft.scope,
        permissions: draft.permissions,
        expires_at,
        allowed_ips: Some(allowed_ips),
        rate_limit: RateLimitChoice::of(rate_limit),
    })
}

/// Label, scope, permissions, expiry and allowed addresses, as the create and edit dialogs
/// ask for them.
#[component]
pub fn TokenFields(
    fields: Fields,
    scopes: Vec<Role>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let Fields {
        label,
        scope,
        expiry,
        permissions,
        allowed_ips,
        rate,
    } = fields;
    view! {
        <LabelField label error hint="What uses this token, such as \u{201c}CI deploy\u{201d}. Unique in the workspace." />
        <ScopeField scope scopes id="token-scope" title="Scope" />
        <p class="text-xs text-slate-500">"The token acts with this role's rights, never more than yours."</p>
        <FieldError field="scope" error />
        <PermissionsField permissions scope id="token-permissions" title="Permissions" />
        <p class="text-xs text-slate-500">
            "Narrow what the token may do through the API, below its scope. \u{201c}Verify only\u{201d} suits services that only check tokens."
        </p>
        <FieldError field="permissions" error />
        <ExpiryField expiry error />
        <AllowedIpsField
            allowed_ips
            error
            field="allowed_ips"
            title="Allowed IP addresses (optional)"
            hint="Addresses or CIDR ranges, one a line, at most 32. Calls from anywhere else are refused. Leave empty to allow any address."
        />
        <RateLimitField
            rate
            error
            field="rate_limit"
            title="Rate limit (optional)"
            hint="Requests allowed per window, in bursts of up to that many; over it the API answers 429 until quota frees up. Leave empty for no limit."
        />
    }
}

/// A rate limit: how many requests, per which window. `field` names the inputs and the
/// server's refusal of them.
#[component]
pub fn RateLimitField(
    rate: RateFields,
    error: Signal<Option<AppError>>,
    field: &'static str,
    title: &'static str,
    hint: &'static str,
) -> impl IntoView {
    let RateFields { requests, window } = rate;
    // A window the API set that the dialogs do not name is offered as it is.
    let opened_with = window.get_untracked();
    let mut windows: Vec<(u32, String)> = WINDOWS
        .iter()
        .map(|(seconds, name)| (*seconds, format!("per {name}")))
        .collect();
    if !windows.iter().any(|(seconds, _)| *seconds == opened_with) {
        windows.push((opened_with, format!("per {opened_with} seconds")));
    }
    view! {
        <fieldset class="flex flex-col gap-1">
            <legend class=LABEL>{title}</legend>
            <div class="flex gap-2">
                <input
                    class=INPUT
                    name=format!("{field}_requests")
                    aria-label="Requests allowed"
                    inputmode="numeric"
                    placeholder="No limit"
                    bind:value=requests
                />
                <select
                    class=INPUT
                    name=format!("{field}_window")
                    aria-label="Per"
                    on:change=move |event| {
                        if let Ok(seconds) = event_target_value(&event).parse() {
                            window.set(seconds);
                        }
                    }
                >
                    {windows
                        .into_iter()
                        .map(|(seconds, name)| {
                            view! {
                                <option value=seconds.to_string() selected=move || window.get() == seconds>
                                    {name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
        </fieldset>
        <p class="text-xs text-slate-500">{hint}</p>
        <FieldError field error />
    }
}

/// A list of IP addresses and ranges: one a line (or separated by commas). `field` names
/// the input and the server's refusal of it.
#[component]
pub fn AllowedIpsField(
    allowed_ips: RwSignal<String>,
    error: Signal<Option<AppError>>,
    field: &'static str,
    title: &'static str,
    hint: &'static str,
) -> impl IntoView {
    view! {
        <label class=LABEL>
            {title}
            <textarea
                class=INPUT
                name=field
                rows="2"
                placeholder="203.0.113.7\n10.0.0.0/8"
                prop:value=move || allowed_ips.get()
                on:input=move |event| allowed_ips.set(event_target_value(&event))
            />
        </label>
        <p class="text-xs text-slate-500">{hint}</p>
        <FieldError field error />
    }
}

/// The entries of a list as typed (separated by commas, spaces or new lines).
pub fn typed_entries(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A token's label, with what it is for (`hint`).
#[component]
pub fn LabelField(
    label: RwSignal<String>,
    hint: &'static str,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <label class=LABEL>
            "Label"
            <input class=INPUT name="label" maxlength=LABEL_MAX.to_string() required bind:value=label />
        </label>
        <p class="text-xs text-slate-500">{hint}</p>
        <FieldError field="label" error />
    }
}

/// The role a token acts with, one of `scopes`; `id` ties the select to its `title`.
#[component]
pub fn ScopeField(
    scope: RwSignal<Role>,
    scopes: Vec<Role>,
    #[prop(into)] id: String,
    #[prop(into)] title: String,
) -> impl IntoView {
    view! {
        <label class=LABEL for=id.clone()>
            {title}
        </label>
        <select
            id=id
            class=INPUT
            name="scope"
            on:change=move |event| {
                if let Ok(value) = event_target_value(&event).parse() {
                    scope.set(value);
                }
            }
        >
            {scopes
                .into_iter()
                .map(|role| {
                    view! {
                        <option value=role.as_str() selected=move || scope.get() == role>
                            {role.label()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// The API permissions a token holds below its `scope`: a preset, or a hand-picked set.
#[component]
pub fn PermissionsField(
    permissions: RwSignal<Option<PermissionSet>>,
    scope: RwSignal<Role>,
    #[prop(into)] id: String,
    #[prop(into)] title: String,
) -> impl IntoView {
    let presets = presets();
    let custom_index = presets.len();
    // Whether the chosen permissions are a hand-picked set rather than a preset.
    let custom = RwSignal::new(
        !presets
            .iter()
            .any(|(_, set)| *set == permissions.get_untracked()),
    );
    view! {
        <label class=LABEL for=id.clone()>
            {title.clone()}
        </label>
        <select
            id=id
            class=INPUT
            name="permissions"
            on:change=move |event| {
                let choice: usize = event_target_value(&event).parse().unwrap_or(0);
                match presets.get(choice) {
                    Some((_, set)) => {
                        custom.set(false);
                        permissions.set(*set);
                    }
                    None => {
                        custom.set(true);
                        if permissions.get_untracked().is_none() {
                            permissions.set(Some(PermissionSet::of_role(scope.get_untracked())));
                        }
                    }
                }
            }
        >
            {presets
                .iter()
                .enumerate()
                .map(|(index, (name, set))| {
                    let set = *set;
                    view! {
                        <option
                            value=index.to_string()
                            selected=move || !custom.get() && permissions.get() == set
                        >
                            {*name}
                        </option>
                    }
                })
                .collect_view()}
            <option value=custom_index.to_string() selected=move || custom.get()>
                "Choose permissions…"
            </option>
        </select>
        <Show when=move || custom.get()>
            <fieldset
                class="grid grid-cols-2 gap-1 rounded-md border border-slate-200 p-2"
                aria-label=format!("Chosen {}", title.replacen("Permissions", "permissions", 1))
            >
                {ApiPermission::ALL
                    .into_iter()
                    .map(|permission| {
                        view! {
                            <label class="flex items-center gap-2 text-sm" title=permission.description()>
                                <input
                                    type="checkbox"
                                    prop:checked=move || {
                                        permissions.get().is_some_and(|set| set.contains(permission))
                                    }
                                    on:change=move |event| {
                                        let on = event_target_checked(&event);
                                        permissions.update(|set| {
                                            let current = set.unwrap_or_default();
                                            let next: PermissionSet = current
                                                .iter()
                                                .filter(|p| *p != permission)
                                                .chain(on.then_some(permission))
                                                .collect();
                                            *set = Some(next);
                                        });
                                    }
                                />
                                <code class="text-xs">{permission.as_str()}</code>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
        </Show>
    }
}

/// The expiry date, optional.
#[component]
pub fn ExpiryField(expiry: RwSignal<String>, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <label class=LABEL>
            "Expires (optional)"
            <input class=INPUT name="expires" type="date" bind:value=expiry />
        </label>
        <p class="text-xs text-slate-500">"The token stops working at the end of this day. Leave empty for no expiry."</p>
        <FieldError field="expires_at" error />
    }
}

/// The expiry field's date as the end of that day in the browser's time zone.
pub fn expiry_ms(date: &str) -> Result<Option<i64>, AppError> {
    if date.trim().is_empty() {
        return Ok(None);
    }
    end_of_local_day(date, timezone_offset_minutes())
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(
                "expires_at",
                "Enter the expiry as a date, such as 2027-01-31.",
            )
        })
}

/// The expiry an edit form asks for: the stored one exactly (even one in the past) while
/// the date field still shows what it was opened with, else the field's new date.
pub fn edited_expiry(
    date: &str,
    opened_with: &str,
    stored: Option<i64>,
) -> Result<Option<i64>, AppError> {
    if date == opened_with {
        Ok(stored)
    } else {
        expiry_ms(date)
    }
}
