//! `/staff/patients`: find a patient by name, furigana or phone number, see their details and
//! history (visits, cancellations, no-shows), and download the appointments of a date range as
//! CSV for Excel.

use leptos::prelude::*;

use crate::api::staff::access::{access_log, AccessItem};
use crate::api::staff::patients::*;
use crate::booking::ids::{PatientId, StaffId};
use crate::i18n::Lang;

/// The longest range one CSV export covers (the server checks it too).
const MAX_EXPORT_DAYS: i64 = 366;

#[component]
pub fn PatientsPage() -> impl IntoView {
    let console = super::use_console();
    let (lang, owner) = (console.lang, console.me.is_owner());
    let selected = RwSignal::new(None::<PatientId>);
    // Changes when the owner erases a patient: the requests' list follows.
    let erased = RwSignal::new(0u32);
    view! {
        <section class="patients-page" aria-labelledby="patients-title">
            <h1 id="patients-title">{move || lang.get().pick("患者", "Patients")}</h1>
            {owner.then(|| view! { <super::erasure::DeletionRequests lang selected version=erased/> })}
            <div class="patients-layout">
                <PatientSearch lang selected/>
                <PatientDetail lang selected owner erased/>
            </div>
            <ExportForm lang/>
            {owner.then(|| view! { <AccessLogSection lang/> })}
        </section>
    }
}

#[component]
fn PatientSearch(lang: RwSignal<Lang>, selected: RwSignal<Option<PatientId>>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    // The query searched for: set when the form is sent, or a moment after typing stops.
    let query = RwSignal::new(String::new());
    let results = Resource::new(
        move || (query.get(), lang.get()),
        |(q, lang)| async move {
            if q.trim().is_empty() {
                Ok(Vec::new())
            } else {
                search_patients(q, lang).await
            }
        },
    );
    let search_later = debounce(std::time::Duration::from_millis(300), move |q: String| query.set(q));
    let on_input = {
        let mut search_later = search_later;
        move |ev| {
            let value = event_target_value(&ev);
            typed.set(value.clone());
            search_later(value);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        query.set(typed.get_untracked());
    };

    view! {
        <section class="card patient-search" aria-labelledby="patient-search-title">
            <h2 id="patient-search-title">{move || lang.get().pick("患者を探す", "Find a patient")}</h2>
            <form class="form search-form" role="search" on:submit=on_submit>
                <div class="field">
                    <label for="patient-query">{move || lang.get().pick("氏名・フリガナ・電話番号", "Name, furigana or phone")}</label>
                    <div class="search-row">
                        <input
                            type="search"
                            id="patient-query"
                            name="q"
                            autocomplete="off"
                            maxlength="100"
                            prop:value=move || typed.get()
                            on:input=on_input
                        />
                        <button type="submit" class="primary">{move || lang.get().pick("検索", "Search")}</button>
                    </div>
                </div>
            </form>
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("検索中…", "Searching…")}</p> }>
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match results.await {
                        Ok(list) if list.is_empty() && q.trim().is_empty() => ().into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="none" role="status">{move || lang.get().pick("該当する患者はいません。", "No patient matches.")}</p>
                        }.into_any(),
                        Ok(list) => {
                            let count = list.len();
                            view! {
                                <p class="result-count" role="status">{move || match (lang.get(), count >= SEARCH_LIMIT as usize) {
                                    (Lang::Ja, false) => format!("{count}件"),
                                    (Lang::En, false) => format!("{count} found"),
                                    (Lang::Ja, true) => format!("最初の{count}件を表示しています。絞り込んでください。"),
                                    (Lang::En, true) => format!("Showing the first {count}. Please narrow the search."),
                                }}</p>
                                <ul class="patient-results">
                                    {list.into_iter().map(|p| {
                                        let id = p.id;
                                        view! {
                                            <li>
                                                <button
                                                    type="button"
                                                    class="choice patient-result"
                                                    aria-pressed=move || (selected.get() == Some(id)).to_string()
                                                    on:click=move |_| selected.set(Some(id))
                                                >
                                                    <span class="choice-title">{p.name.clone()}</span>
                                                    <span class="choice-meta">{format!("{} ・ {}", p.furigana, p.phone)}</span>
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message.clone()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PatientDetail(lang: RwSignal<Lang>, selected: RwSignal<Option<PatientId>>, owner: bool, erased: RwSignal<u32>) -> impl IntoView {
    // `erased` too: after an erasure the same patient's card is read again.
    let detail = Resource::new(
        move || (selected.get(), lang.get(), erased.get()),
        |(id, lang, _)| async move {
            match id {
                Some(id) => patient_details(id, lang).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <section class="card patient-detail" aria-labelledby="patient-detail-title" aria-live="polite">
            <Transition fallback=move || view! { <p class="loading">{move || lang.get().pick("読み込み中…", "Loading…")}</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(Some(d)) => {
                            let (id, gone) = (d.patient.id, d.erased.is_some());
                            view! {
                                <DetailCard lang detail=d/>
                                {owner.then(|| view! { <super::erasure::ErasePanel lang patient=id erased=gone version=erased/> })}
                            }.into_any()
                        }
                        Ok(None) => view! {
                            <h2 id="patient-detail-title">{move || lang.get().pick("患者の詳細", "Patient details")}</h2>
                            <p class="none">{move || lang.get().pick("検索結果から患者を選んでください。", "Choose a patient from the search results.")}</p>
                        }.into_any(),
                        Err(e) => view! {
                            <h2 id="patient-detail-title">{move || lang.get().pick("患者の詳細", "Patient details")}</h2>
                            <p class="error" role="alert">{e.message.clone()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DetailCard(lang: RwSignal<Lang>, detail: PatientDetailView) -> impl IntoView {
    let PatientDetailView { patient, counts, appointments, consents, access, deletion_requested, erased } = detail;
    let tel = format!("tel:{}", patient.phone.replace('-', ""));
    let counts_list = [
        (("受診", "Visits"), counts.visits, "visits"),
        (("今後の予約", "Upcoming"), counts.upcoming, "upcoming"),
        (("キャンセル", "Cancellations"), counts.cancellations, "cancellations"),
        (("無断キャンセル", "No-shows"), counts.no_shows, "no-shows"),
        (("お断り", "Declined"), counts.declined, "declined"),
    ];
    let empty = appointments.is_empty();
    view! {
        <h2 id="patient-detail-title">{match &erased {
            Some(_) => lang.get_untracked().pick("削除済みの患者", "Erased patient").to_string(),
            None => patient.name.clone(),
        }}</h2>
        {erased.map(|when| view! { <p class="note erased">{move || match lang.get() {
            Lang::Ja => format!("{when}に削除しました。受診の記録だけが匿名で残っています。"),
            Lang::En => format!("Erased on {when}: only the visit records remain, anonymous."),
        }}</p> })}
        {deletion_requested.map(|when| view! { <p class="note deletion-requested" role="status">{move || match lang.get() {
            Lang::Ja => format!("この患者さまからデータ削除の依頼があります: {when}"),
            Lang::En => format!("This patient asked for their data to be deleted: {when}"),
        }}</p> })}
        <dl class="patient-facts">
            <dt>{move || lang.get().pick("フリガナ", "Furigana")}</dt><dd>{patient.furigana.clone()}</dd>
            <dt>{move || lang.get().pick("電話番号", "Phone")}</dt><dd><a href=tel>{patient.phone.clone()}</a></dd>
            <dt>{move || lang.get().pick("生年月日", "Date of birth")}</dt>
            <dd>{if patient.birth_date.is_empty() { "—".to_string() } else { patient.birth_date.clone() }}</dd>
            <dt>"LINE"</dt>
            <dd>{move || if patient.line { lang.get().pick("連携済み", "Connected") } else { lang.get().pick("なし(お試し)", "None (sandbox)") }}</dd>
        </dl>
        <ul class="history-counts" aria-label=move || lang.get().pick("受診履歴の集計", "History in numbers")>
            {counts_list.into_iter().map(|((ja, en), n, key)| view! {
                <li class=format!("history-count count-{key}")>
                    <span class="count-number">{n}</span>
                    <span class="count-label">{move || lang.get().pick(ja, en)}</span>
                </li>
            }).collect_view()}
        </ul>
        <h3>{move || lang.get().pick("予約の履歴", "Appointments")}</h3>
        {if empty {
            view! { <p class="none">{move || lang.get().pick("予約はまだありません。", "No appointments yet.")}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="history-table">
                        <thead>
                            <tr>
                                <th scope="col">{move || lang.get().pick("日時", "When")}</th>
                                <th scope="col">{move || lang.get().pick("メニュー", "Menu")}</th>
                                <th scope="col">{move || lang.get().pick("担当", "With")}</th>
                                <th scope="col">{move || lang.get().pick("状態", "Status")}</th>
                                <th scope="col">{move || lang.get().pick("受付番号", "Queue no.")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {appointments.into_iter().map(|a| view! {
                                <tr class:upcoming=a.upcoming>
                                    <td>{a.when}</td>
                                    <td>{a.menu}</td>
                                    <td>{a.resource}</td>
                                    <td><span class=format!("status status-{}", a.status.as_str())>{a.status_label}</span></td>
                                    <td>{a.queue_number.map(|n| n.to_string()).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {(!access.is_empty()).then(|| view! {
            <h3>{move || lang.get().pick("閲覧・操作の記録(院長のみ表示)", "Who read or changed this (shown to the owner only)")}</h3>
            <AccessTable lang items=access with_patient=false/>
        })}
        <h3>{move || lang.get().pick("プライバシー通知への同意", "Consent to the privacy notice")}</h3>
        {if consents.is_empty() {
            view! { <p class="none">{move || lang.get().pick("同意の記録はありません。", "No consent on record.")}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="consent-table">
                        <thead>
                            <tr>
                                <th scope="col">{move || lang.get().pick("日時", "When")}</th>
                                <th scope="col">{move || lang.get().pick("通知の版", "Notice version")}</th>
                                <th scope="col">{move || lang.get().pick("経路", "Channel")}</th>
                                <th scope="col">{move || lang.get().pick("予約番号", "Reference")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {consents.into_iter().map(|c| view! {
                                <tr>
                                    <td>{c.when}</td>
                                    <td class="consent-version">{format!("v{}", c.notice_version)}</td>
                                    <td>{c.channel}</td>
                                    <td><code>{c.reference.map(|r| r[..8.min(r.len())].to_string()).unwrap_or_default()}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

/// Access log entries as a table: when, who, what (and whose, in the clinic-wide view).
#[component]
fn AccessTable(lang: RwSignal<Lang>, items: Vec<AccessItem>, with_patient: bool) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="access-table">
                <thead>
                    <tr>
                        <th scope="col">{move || lang.get().pick("日時", "When")}</th>
                        <th scope="col">{move || lang.get().pick("スタッフ", "Staff")}</th>
                        {with_patient.then(|| view! { <th scope="col">{move || lang.get().pick("患者", "Patient")}</th> })}
                        <th scope="col">{move || lang.get().pick("内容", "What")}</th>
                        <th scope="col">{move || lang.get().pick("詳細", "Detail")}</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|a| view! {
                        <tr>
                            <td>{a.when}</td>
                            <td>{a.staff_name}</td>
                            {with_patient.then(|| view! { <td>{a.patient_name}</td> })}
                            <td class="access-what">{a.what}</td>
                            <td>{a.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The owner's view of the whole access log: the newest entries, of everyone or of one staff
/// member, and the CSV of it.
#[component]
pub fn AccessLogSection(lang: RwSignal<Lang>) -> impl IntoView {
    let staff = RwSignal::new(None::<StaffId>);
    let log = Resource::new(move || (staff.get(), lang.get()), |(staff, lang)| access_log(staff, None, lang));
    // The staff members seen in the log so far, for the filter.
    let known = RwSignal::new(Vec::<(StaffId, String)>::new());
    let csv = move || match staff.get() {
        Some(s) => format!("/staff/access.csv?lang={}&staff={}", lang.get().code(), s.0),
        None => format!("/staff/access.csv?lang={}", lang.get().code()),
    };
    view! {
        <section class="card access-log" aria-labelledby="access-title">
            <h2 id="access-title">{move || lang.get().pick("アクセス記録(院長のみ)", "Access log (owner only)")}</h2>
            <p class="hint">{move || lang.get().pick(
                "スタッフが患者さまの情報を閲覧・変更・書き出しした記録です。記録は変更・削除できません。",
                "What staff read, changed or exported of patients' data. Entries cannot be changed or deleted.",
            )}</p>
            <div class="field">
                <label for="access-staff">{move || lang.get().pick("スタッフで絞り込む", "Staff member")}</label>
                <select id="access-staff" on:change=move |ev| staff.set(event_target_value(&ev).parse().ok().map(StaffId))>
                    <option value="">{move || lang.get().pick("全員", "Everyone")}</option>
                    {move || known.get().into_iter().map(|(id, name)| view! { <option value=id.0.to_string() selected=move || staff.get() == Some(id)>{name}</option> }).collect_view()}
                </select>
            </div>
            <a class="button" href=csv download>{move || lang.get().pick("CSVをダウンロード", "Download CSV")}</a>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || log.get().map(|r| match r {
                    Ok(items) => {
                        known.update(|k| for a in &items {
                            if !k.iter().any(|(id, _)| *id == a.staff_id) {
                                k.push((a.staff_id, a.staff_name.clone()));
                            }
                        });
                        view! { <AccessTable lang items with_patient=true/> }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// What is wrong with the export range, per field: `(from, to)`.
fn range_errors(from: &str, to: &str, lang: Lang) -> (Option<&'static str>, Option<&'static str>) {
    let (f, t) = (day_number(from), day_number(to));
    let from_error = f.is_none().then(|| lang.pick("開始日を選んでください。", "Choose the first day."));
    let to_error = match (f, t) {
        (_, None) => Some(lang.pick("終了日を選んでください。", "Choose the last day.")),
        (Some(f), Some(t)) if t < f => Some(lang.pick("終了日は開始日以降にしてください。", "The last day must not be before the first.")),
        (Some(f), Some(t)) if t - f + 1 > MAX_EXPORT_DAYS => Some(lang.pick("一度に書き出せるのは366日までです。", "One export covers at most 366 days.")),
        _ => None,
    };
    (from_error, to_error)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the browser has no chrono).
fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[component]
fn ExportForm(lang: RwSignal<Lang>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let shown = RwSignal::new(false);
    let errors = move || range_errors(&from.get(), &to.get(), lang.get());
    // A plain GET form: the browser downloads the file. It is only stopped when the range is wrong.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let (f, t) = errors();
        if f.is_some() || t.is_some() {
            ev.prevent_default();
            shown.set(true);
        }
    };
    let from_error = move || shown.get().then(|| errors().0).flatten();
    let to_error = move || shown.get().then(|| errors().1).flatten();
    view! {
        <section class="card export" aria-labelledby="export-title">
            <h2 id="export-title">{move || lang.get().pick("予約をCSVで書き出す", "Export appointments as CSV")}</h2>
            <p class="hint">{move || lang.get().pick(
                "指定した期間(最長366日)の予約をExcelで開けるCSVファイルにします。問診の回答は含まれません。",
                "Appointments of the chosen days (up to 366) as a CSV file for Excel. Answers to the questions are not included.",
            )}</p>
            <form class="form export-form" method="get" action="/staff/export.csv" on:submit=on_submit novalidate>
                <input type="hidden" name="lang" value=move || lang.get().code()/>
                <div class="export-dates">
                    <div class="field">
                        <label for="export-from">{move || lang.get().pick("開始日", "First day")}</label>
                        <input
                            type="date"
                            id="export-from"
                            name="from"
                            required
                            aria-invalid=move || from_error().is_some().to_string()
                            aria-describedby="export-from-error"
                            prop:value=move || from.get()
                            on:input=move |ev| from.set(event_target_value(&ev))
                        />
                        <p class="field-error" id="export-from-error" role="alert">{from_error}</p>
                    </div>
                    <div class="field">
                        <label for="export-to">{move || lang.get().pick("終了日", "Last day")}</label>
                        <input
                            type="date"
                            id="export-to"
                            name="to"
                            required
                            aria-invalid=move || to_error().is_some().to_string()
                            aria-describedby="export-to-error"
                            prop:value=move || to.get()
                            on:input=move |ev| to.set(event_target_value(&ev))
                        />
                        <p class="field-error" id="export-to-error" role="alert">{to_error}</p>
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">{move || lang.get().pick("CSVをダウンロード", "Download CSV")}</button>
                </div>
            </form>
            <h3>{move || lang.get().pick("プライバシー通知への同意の記録", "Consents to the privacy notice")}</h3>
            <p class="hint">{move || lang.get().pick(
                "すべての患者さまの同意(日時・通知の版・経路)をCSVで書き出します(院長のみ)。",
                "Every patient's consent (when, which version of the notice, how) as CSV (owner only).",
            )}</p>
            <a class="button" href=move || format!("/staff/consents.csv?lang={}", lang.get().code()) download>
                {move || lang.get().pick("同意の記録をダウンロード", "Download the consents")}
            </a>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_count_days() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("2028-12-31").zip(day_number("2028-01-01")).map(|(b, a)| b - a + 1), Some(366));
        assert_eq!(day_number("2030-02-29"), None);
        assert_eq!(day_number("2030-13-01"), None);
        assert_eq!(day_number(""), None);
    }

    #[test]
    fn export_ranges_are_checked_per_field() {
        assert_eq!(range_errors("2030-01-01", "2030-01-31", Lang::En), (None, None));
        assert!(range_errors("", "2030-01-31", Lang::En).0.is_some());
        assert!(range_errors("2030-02-01", "2030-01-31", Lang::En).1.is_some());
        assert!(range_errors("2028-01-01", "2029-01-01", Lang::En).1.is_some());
        assert_eq!(range_errors("2028-01-01", "2028-12-31", Lang::En), (None, None));
    }
}
