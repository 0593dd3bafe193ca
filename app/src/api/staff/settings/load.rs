//! What the settings page shows: every setting of the owner's clinic in the form the page edits
//! it, and the audit of the latest changes.

use chrono::{Days, Utc};

use super::*;
use crate::api::staff::auth::StaffContext;
use crate::booking::format::date_label;
use crate::booking::hours::{format_intervals, Interval};
use crate::booking::model::ExceptionKind;
use crate::error::Problem;
use crate::store::SettingsArea;

const WEEKDAYS: [(&str, &str); 7] = [
    ("月曜日", "Monday"),
    ("火曜日", "Tuesday"),
    ("水曜日", "Wednesday"),
    ("木曜日", "Thursday"),
    ("金曜日", "Friday"),
    ("土曜日", "Saturday"),
    ("日曜日", "Sunday"),
];

fn area_label(area: SettingsArea, lang: Lang) -> String {
    let (ja, en) = match area {
        SettingsArea::Hours => ("診療時間", "Hours"),
        SettingsArea::Closure => ("休診・臨時診療", "Closures"),
        SettingsArea::Menu => ("メニュー", "Menu"),
        SettingsArea::Resource => ("担当・部屋", "Practitioners and rooms"),
        SettingsArea::Question => ("問診", "Questions"),
        SettingsArea::Privacy => ("プライバシー", "Privacy notice"),
        SettingsArea::Clinic => ("医院", "Clinic"),
        SettingsArea::Line => ("LINE", "LINE"),
        SettingsArea::Staff => ("スタッフ", "Staff"),
        SettingsArea::Website => ("ウェブサイト埋め込み", "Website embedding"),
    };
    lang.pick(ja, en).to_string()
}

pub async fn load(ctx: &StaffContext, lang: Lang) -> Result<SettingsData, Problem> {
    let mut db = crate::state::store()?.read().await?;
    let clinic = ctx.clinic.id;
    let tz = ctx.clinic.time_zone;
    let resources = db.resources(clinic).await?;
    let hours = db.opening_hours(clinic).await?;
    let name_of = |id: Option<crate::booking::ids::ResourceId>| match id {
        None => lang.pick("医院全体", "Whole clinic").to_string(),
        Some(id) => resources.iter().find(|r| r.id == id).map(|r| lang.pick(&r.name_ja, &r.name_en).to_string()).unwrap_or_default(),
    };
    let resource_views = resources
        .iter()
        .map(|r| ResourceView {
            id: r.id,
            name_ja: r.name_ja.clone(),
            name_en: r.name_en.clone(),
            kind: r.kind,
            name: lang.pick(&r.name_ja, &r.name_en).to_string(),
            days: (0u8..7)
                .map(|w| {
                    let day: Vec<_> = hours
                        .iter()
                        .filter(|h| h.resource_id == r.id && h.weekday.num_days_from_monday() == u32::from(w))
                        .map(|h| Interval::of_times(h.opens, h.closes))
                        .collect();
                    let (ja, en) = WEEKDAYS[usize::from(w)];
                    DayHours { weekday: w, label: lang.pick(ja, en).to_string(), hours: format_intervals(&day).replace('–', "-") }
                })
                .collect(),
        })
        .collect();
    let today = Utc::now().with_timezone(&tz).date_naive();
    // Exceptions from yesterday on (older ones are history).
    let exceptions = db
        .exceptions(clinic, today - Days::new(1), today + Days::new(3660))
        .await?
        .into_iter()
        .map(|x| {
            let what = match x.kind {
                ExceptionKind::Closed => lang.pick("休診", "closed").to_string(),
                ExceptionKind::ExtraHours { opens, closes } => {
                    format!("{} {}", lang.pick("臨時診療", "extra hours"), format_intervals(&[Interval::of_times(opens, closes)]))
                }
            };
            ExceptionView { id: x.id, label: format!("{} {}: {what}", date_label(x.date, lang), name_of(x.resource_id)) }
        })
        .collect();
    let menus = db.menus(clinic).await?;
    let questions = db
        .questions(clinic)
        .await?
        .into_iter()
        .map(|q| QuestionForm {
            id: Some(q.id),
            menu_id: q.menu_id,
            choices_ja: q.choices_ja.join("\n"),
            choices_en: q.choices_en.join("\n"),
            label_ja: q.spec.label_ja,
            label_en: q.spec.label_en,
            kind: q.spec.kind,
            required: q.spec.required,
        })
        .collect();
    let menus = menus
        .into_iter()
        .map(|m| {
            let (id, active) = (m.id, m.active);
            let m = m.spec;
            MenuForm {
                id: Some(id),
                name_ja: m.name_ja,
                name_en: m.name_en,
                duration_minutes: m.duration_minutes.to_string(),
                mode: m.mode.kind(),
                capacity: m.mode.capacity().to_string(),
                buffer_before_minutes: m.buffer_before_minutes.to_string(),
                buffer_after_minutes: m.buffer_after_minutes.to_string(),
                min_notice_minutes: m.min_notice_minutes.to_string(),
                horizon_days: m.horizon_days.to_string(),
                cancel_cutoff_minutes: m.cancel_cutoff_minutes.to_string(),
                hold_minutes: m.hold_minutes.to_string(),
                auto_confirm: m.approval == crate::booking::model::Approval::AutoConfirm,
                active,
                several_per_day: m.several_per_day,
                near_turn: m.near_turn.to_string(),
                resource_ids: m.resource_ids,
            }
        })
        .collect();
    let (privacy_ja, privacy_en) = db.privacy_notice(clinic).await?;
    let line = db.line_settings(clinic).await?;
    let staff = db
        .staff_members(clinic)
        .await?
        .into_iter()
        .map(|m| StaffView { id: m.id, email: m.email, name: m.display_name, role: m.role, disabled: m.disabled, is_me: m.id == ctx.staff.id })
        .collect();
    let audit = db
        .settings_audit(clinic, AUDIT_ENTRIES)
        .await?
        .into_iter()
        .map(|a| AuditView {
            at: a.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            staff: a.staff_name.unwrap_or_else(|| "-".into()),
            area: area_label(a.area, lang),
            summary: a.summary,
        })
        .collect();
    Ok(SettingsData {
        resources: resource_views,
        exceptions,
        menus,
        questions,
        open_on_holidays: ctx.clinic.open_on_holidays,
        reminder_hour: ctx.clinic.reminder_hour,
        booking_limit: ctx.clinic.booking_limit,
        privacy_ja,
        privacy_en,
        privacy_version: db.privacy_version(clinic).await?,
        answers_kept_days: db.answers_kept_days(clinic).await?,
        answer_deletions: db
            .answer_deletions(clinic, ANSWER_DELETIONS)
            .await?
            .into_iter()
            .map(|d| AnswerDeletionView {
                at: d.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                visits_before: d.visits_before.format("%Y-%m-%d").to_string(),
                visits: d.visits,
                answers: d.answers,
            })
            .collect(),
        // Never the secrets: only whether they are set.
        line: match line {
            Some(l) => LineView {
                connected: true,
                secret_set: l.channel_secret.is_some(),
                token_set: l.channel_access_token.is_some(),
                liff_id: l.liff_id,
                login_channel_id: l.login_channel_id,
                add_friend_url: l.add_friend_url.unwrap_or_default(),
                service: super::ServiceView::of(db.service_messages(clinic).await?),
            },
            None => LineView::default(),
        },
        staff,
        audit,
        slug: ctx.clinic.slug.clone(),
        website_origins: db.website_origins(clinic).await?,
        mail_from: db.mail_from(clinic).await?.unwrap_or_default(),
    })
}
