//! The audit of every settings change: who, when, what.

use leptos::prelude::*;

use super::form::Env;
use crate::api::staff::settings::*;

#[component]
pub fn AuditSection(env: Env, d: SettingsData) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="audit-title">
            <h2 id="audit-title">{env.t("変更履歴(最新50件)", "Change log (latest 50)")}</h2>
            {if d.audit.is_empty() {
                view! { <p class="none">{env.t("まだ変更はありません。", "No changes yet.")}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="settings-audit">
                            <thead><tr>
                                <th scope="col">{env.t("日時", "When")}</th>
                                <th scope="col">{env.t("変更者", "Who")}</th>
                                <th scope="col">{env.t("項目", "Area")}</th>
                                <th scope="col">{env.t("内容", "Change")}</th>
                            </tr></thead>
                            <tbody>
                                {d.audit.into_iter().map(|a| view! {
                                    <tr><td>{a.at}</td><td>{a.staff}</td><td>{a.area}</td><td>{a.summary}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
