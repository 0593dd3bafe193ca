//! The clinic's staff accounts: roles, disabling, new passwords, and new accounts.

use leptos::prelude::*;

use super::form::{error_for, run, Env, TextField};
use crate::api::once::Intent;
use crate::api::staff::settings::*;
use crate::booking::ids::StaffId;
use crate::kinds::StaffRole;

fn role_label(role: StaffRole) -> (&'static str, &'static str) {
    match role {
        StaffRole::Owner => ("オーナー(院長)", "Owner"),
        StaffRole::Staff => ("スタッフ(受付)", "Staff"),
    }
}

/// The clinic's accounts: change a role, disable or enable, set a new password; and a new account.
#[component]
pub fn StaffSection(env: Env, staff: Vec<StaffView>) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    // The account whose new password is being typed, and the one whose disabling awaits a yes.
    let password_for = RwSignal::new(None::<StaffId>);
    let confirm_disable = RwSignal::new(None::<StaffId>);
    let new_password = RwSignal::new(String::new());
    let lang = env.lang;
    let rows = staff
        .into_iter()
        .map(|m| {
            let id = m.id;
            let field = format!("staff-{id}");
            let error = error_for(errors, field.clone());
            let (role_ja, role_en) = role_label(m.role);
            let (other_role, to_ja, to_en) = match m.role {
                StaffRole::Owner => (StaffRole::Staff, "スタッフにする", "Make staff"),
                StaffRole::Staff => (StaffRole::Owner, "オーナーにする", "Make owner"),
            };
            let intent = Intent::new();
            let change_role = move |_| run(env, errors, intent, move |csrf, key, lang| set_staff_role(csrf, key, id, other_role, lang));
            let set_disabled = move |disabled: bool| {
                confirm_disable.set(None);
                run(env, errors, intent, move |csrf, key, lang| set_staff_disabled(csrf, key, id, disabled, lang))
            };
            let password_intent = Intent::new().renewed_by(new_password);
            let save_password = move |_| {
                let password = new_password.get_untracked();
                new_password.set(String::new());
                run(env, errors, password_intent, move |csrf, key, lang| async move {
                    set_staff_password(csrf, key, id, password, lang).await?;
                    password_for.set(None);
                    Ok(())
                });
            };
            let (disabled, is_me) = (m.disabled, m.is_me);
            view! {
                <li class:staff-disabled=disabled>
                    <span>
                        <strong>{m.name}</strong>
                        {is_me.then(|| view! { " " <small>{env.t("(あなた)", "(you)")}</small> })}
                        <br/><small>{m.email}</small><br/>
                        <small>{move || lang.get().pick(role_ja, role_en)}</small>
                        {disabled.then(|| view! { " " <small class="staff-state">{env.t("無効(ログイン不可)", "Disabled (cannot sign in)")}</small> })}
                        <span class="field-error" id=format!("{field}-error") role="alert">{error}</span>
                    </span>
                    <span class="row-actions">
                        <Show when=move || !is_me>
                            <button type="button" on:click=change_role>{move || lang.get().pick(to_ja, to_en)}</button>
                        </Show>
                        <button type="button" aria-expanded=move || (password_for.get() == Some(id)).to_string()
                            on:click=move |_| { new_password.set(String::new()); password_for.set(if password_for.get_untracked() == Some(id) { None } else { Some(id) }) }>
                            {env.t("パスワードを再設定", "Set a new password")}
                        </button>
                        <Show when=move || !is_me>
                            {if disabled {
                                view! { <button type="button" on:click=move |_| set_disabled(false)>{env.t("有効にする", "Enable")}</button> }.into_any()
                            } else {
                                view! {
                                    <Show when=move || confirm_disable.get() == Some(id) fallback=move || view! {
                                        <button type="button" class="danger" on:click=move |_| confirm_disable.set(Some(id))>{env.t("無効にする", "Disable")}</button>
                                    }>
                                        <span>{env.t("すぐにログアウトされ、ログインできなくなります。", "They are signed out at once and can no longer sign in.")}</span>
                                        <button type="button" class="danger" on:click=move |_| set_disabled(true)>{env.t("無効にする", "Disable")}</button>
                                        <button type="button" on:click=move |_| confirm_disable.set(None)>{env.t("やめる", "Cancel")}</button>
                                    </Show>
                                }.into_any()
                            }}
                        </Show>
                    </span>
                    <Show when=move || password_for.get() == Some(id)>
                        <div class="form staff-password">
                            <TextField env errors field=format!("staff-{id}-password") ja="新しいパスワード(10文字以上)" en="New password (at least 10 characters)"
                                value=new_password input_type="password" autocomplete="new-password"/>
                            <div class="actions">
                                <button type="button" class="primary" on:click=save_password>{env.t("パスワードを保存", "Save the password")}</button>
                                <button type="button" on:click=move |_| password_for.set(None)>{env.t("やめる", "Cancel")}</button>
                            </div>
                        </div>
                    </Show>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="staff-title">
            <h2 id="staff-title">{env.t("スタッフのアカウント", "Staff accounts")}</h2>
            <p class="hint">{env.t(
                "オーナー(院長)はすべての設定を変更できます。スタッフ(受付)は予約の受付と患者さんの管理ができます。有効なオーナーが最低1人必要です。",
                "Owners can change every setting; staff handle bookings and patients. The clinic keeps at least one active owner.",
            )}</p>
            <ul class="settings-list staff-list">{rows}</ul>
        </section>
        <StaffAdd env/>
    }
}

#[component]
fn StaffAdd(env: Env) -> impl IntoView {
    let errors = RwSignal::new(Vec::new());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(StaffRole::Staff);
    let password = RwSignal::new(String::new());
    let intent = Intent::new().renewed_by(password);
    let add = move |_| {
        let form = StaffForm { email: email.get_untracked(), name: name.get_untracked(), role: role.get_untracked(), password: password.get_untracked() };
        password.set(String::new());
        run(env, errors, intent, move |csrf, key, lang| add_staff(csrf, key, form, lang));
    };
    view! {
        <section class="card form" aria-labelledby="staff-add-title">
            <h2 id="staff-add-title">{env.t("スタッフを追加", "Add a staff member")}</h2>
            <div class="settings-grid">
                <TextField env errors field="staff-email".into() ja="メールアドレス(ログインに使います)" en="E-mail address (to sign in)" value=email input_type="email"/>
                <TextField env errors field="staff-name".into() ja="名前" en="Name" value=name/>
                <div class="field">
                    <label for="staff-role">{env.t("役割", "Role")}</label>
                    <select id="staff-role" name="staff-role" on:change=move |ev| if let Some(r) = StaffRole::parse(&event_target_value(&ev)) { role.set(r) }>
                        <option value="staff" selected=move || role.get() == StaffRole::Staff>{env.t("スタッフ(受付)", "Staff")}</option>
                        <option value="owner" selected=move || role.get() == StaffRole::Owner>{env.t("オーナー(院長)", "Owner")}</option>
                    </select>
                </div>
                <TextField env errors field="staff-password".into() ja="パスワード(10文字以上)" en="Password (at least 10 characters)" value=password
                    input_type="password" autocomplete="new-password" hint=("本人に安全な方法で伝えてください。", "Tell them in a safe way.")/>
            </div>
            <div class="actions"><button type="button" class="primary" on:click=add>{env.t("追加", "Add")}</button></div>
        </section>
    }
}
