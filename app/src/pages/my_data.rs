//! What the clinic holds about a patient, as the patient reads it: the same sections in the LIFF
//! page and on the e-mail link's data page.

use leptos::prelude::*;

use crate::api::data_rights::PatientDataView;
use crate::i18n::Lang;

#[component]
pub fn PatientDataSections(lang: Lang, data: PatientDataView) -> impl IntoView {
    let t = move |ja: &'static str, en: &'static str| lang.pick(ja, en);
    let or_none = move |s: String| if s.is_empty() { t("(未登録)", "(none)").to_string() } else { s };
    let contact = match (&data.email, data.line) {
        (Some(address), _) => address.clone(),
        (None, true) => t("LINEアカウント", "Your LINE account").to_string(),
        (None, false) => t("(なし)", "(none)").to_string(),
    };
    let visits = data.visits;
    let consents = data.consents;
    view! {
        <section class="card my-data-details" aria-labelledby="my-data-details">
            <h3 id="my-data-details">{t("ご登録の情報", "Your details")}</h3>
            <dl>
                <dt>{t("お名前", "Name")}</dt><dd>{or_none(data.name)}</dd>
                <dt>{t("フリガナ", "Furigana")}</dt><dd>{or_none(data.furigana)}</dd>
                <dt>{t("電話番号", "Phone")}</dt><dd>{or_none(data.phone)}</dd>
                <dt>{t("生年月日", "Date of birth")}</dt><dd>{or_none(data.birth_date)}</dd>
                <dt>{t("ご連絡先", "Contact")}</dt><dd>{contact}</dd>
            </dl>
        </section>
        <section class="card my-data-visits" aria-labelledby="my-data-visits">
            <h3 id="my-data-visits">{t("ご予約と問診の回答", "Visits and your answers")}</h3>
            {if visits.is_empty() {
                view! { <p>{t("ありません。", "None.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="my-data-list">
                        {visits.into_iter().map(|v| view! {
                            <li class="my-data-visit">
                                <p><strong>{v.menu}</strong>" "{v.when}" "<span class="status">{v.status}</span></p>
                                {(!v.answers.is_empty()).then(|| view! {
                                    <dl class="answers">
                                        {v.answers.into_iter().map(|a| view! { <dt>{a.question}</dt><dd>{a.answer}</dd> }).collect_view()}
                                    </dl>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card my-data-consents" aria-labelledby="my-data-consents">
            <h3 id="my-data-consents">{t("個人情報の取り扱いへの同意", "Your consents to the privacy notice")}</h3>
            {if consents.is_empty() {
                view! { <p>{t("ありません。", "None.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="my-data-list">
                        {consents.into_iter().map(|c| view! {
                            <li>{match lang {
                                Lang::Ja => format!("{}: 第{}版に同意({})", c.when, c.notice_version, c.channel),
                                Lang::En => format!("{}: agreed to version {} ({})", c.when, c.notice_version, c.channel),
                            }}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// What the patient is told once they have asked for deletion (`when`: as the clinic reads it).
pub fn deletion_requested(lang: Lang, when: &str) -> String {
    match lang {
        Lang::Ja => format!("{when}に削除を依頼しました。医院が手続きを行います。"),
        Lang::En => format!("You asked for deletion on {when}. The clinic will carry it out."),
    }
}

/// What deleting means, before the patient asks for it.
pub fn deletion_explained(lang: Lang) -> &'static str {
    lang.pick(
        "削除を依頼すると、医院が手続きを行い、お名前・ご連絡先・問診の回答を削除します。受診の記録(日時・メニュー)は法令により匿名のまま残ることがあります。これからのご予約がある場合は、先にキャンセルしてください。削除後はこの医院からのお知らせは届かなくなります。",
        "If you ask for deletion, the clinic removes your name, contact and answers. Records of visits (times and menus) may be kept without your name, as the law requires. Cancel any upcoming visits first. After deletion you will no longer get messages from this clinic.",
    )
}
