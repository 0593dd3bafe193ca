//! What the settings page shows: every setting of the owner's clinic in the form the page edits
//! it, and the audit of the latest changes.

use chrono::{Days, Utc};

use super::*;
use crate::api::staff::auth::StaffContext;
use crate::booking::format::date_label;
use crate::error::Problem;
use crate::store::settings::format_intervals;

const WEEKDAYS: [(&str, &str); 7] =
    [("月曜日", "Monday"), ("火曜日", "Tuesday"), ("水曜日", "Wednesday"), ("木曜日", "Thursday"), ("金曜日", "Friday"), ("土曜日", "Saturday"), ("日曜日", "Sunday")];

fn area_label(area: &str, lang: Lang) -> String {
    let (ja, en) = match area {
        "hours" => ("診療時間", "Hours"),
        "closure" => ("休診・臨時診療", "Closures"),
        "menu" => ("メニュー", "Menu"),
        "resource" => ("担当・部屋", "Practitioners and rooms"),
        "question" => ("問診", "Questions"),
        "privacy" => ("プライバシー", "Privacy notice"),
        "clinic" => ("医院", "Clinic"),
        "line" => ("LINE", "LINE"),
        "staff" => ("スタッフ", "Staff"),
        other => (other, other),
    };
    lang.pick(ja, en).to_string()
}

pub async fn load(ctx: &StaffContext, lang: Lang) -> Result<SettingsData, Problem> {
    let store = crate::state::store()?;
    let clinic = ctx.clinic.id;
    let tz = ctx.clinic.time_zone;
    let resources = store.resources(clinic).await?;
    let hours = store.weekly_hours(clinic).await?;
    let name_of = |id: Option<crate::booking::ids::ResourceId>| match id {
        None => lang.pick("医院全体", "Whole clinic").to_string(),
        Some(id) => resources
            .iter()
            .find(|r| r.id == id)
            .map(|r| lang.pick(&r.name_ja, &r.name_en).to_string())
            .unwrap_or_default(),
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
                        .map(|h| h.interval)
                        .collect();
                    let (ja, en) = WEEKDAYS[usize::from(w)];
                    DayHours { weekday: w, label: lang.pick(ja, en).to_string(), hours: format_intervals(&day).replace('–', "-") }
                })
                .collect(),
        })
        .collect();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let exceptions = store
        .exceptions_from(clinic, today - Days::new(1))
        .await?
        .into_iter()
        .map(|x| {
            let what = match x.extra {
                None => lang.pick("休診", "closed").to_string(),
                Some(i) => format!("{} {}", lang.pick("臨時診療", "extra hours"), format_intervals(&[i])),
            };
            ExceptionView { id: x.id, label: format!("{} {}: {what}", date_label(x.date, lang), name_of(x.resource_id)) }
        })
        .collect();
    let menus = store.all_menus(clinic).await?;
    let mut questions = Vec::new();
    for m in &menus {
        for q in store.questions(m.menu.id).await? {
            questions.push(QuestionForm {
                id: Some(q.id),
                menu_id: q.menu_id,
                label_ja: q.label_ja,
                label_en: q.label_en,
                kind: q.kind,
                choices_ja: q.choices_ja.join("\n"),
                choices_en: q.choices_en.join("\n"),
                required: q.required,
            });
        }
    }
    let menus = menus
        .into_iter()
        .map(|s| {
            let m = s.menu;
            MenuForm {
                id: Some(m.id),
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
                active: s.active,
                resource_ids: m.resource_ids,
            }
        })
        .collect();
    let options = store.clinic_options(clinic).await?;
    let (privacy_ja, privacy_en) = store.privacy_notice(clinic).await?;
    let line = store.line_status(clinic).await?;
    let staff = store
        .staff_members(clinic)
        .await?
        .into_iter()
        .map(|m| StaffView { id: m.id, email: m.email, name: m.display_name, role: m.role, disabled: m.disabled, is_me: m.id == ctx.staff.id })
        .collect();
    let audit = store
        .settings_audit(clinic, AUDIT_ENTRIES)
        .await?
        .into_iter()
        .map(|a| AuditView {
            at: a.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            staff: a.staff_name.unwrap_or_else(|| "-".into()),
            area: area_label(&a.area, lang),
            summary: a.summary,
        })
        .collect();
    Ok(SettingsData {
        resources: resource_views,
        exceptions,
        menus,
        questions,
        open_on_holidays: options.open_on_holidays,
        reminder_hour: options.reminder_hour,
        privacy_ja,
        privacy_en,
        line: LineView {
            connected: line.liff_id.is_some() && line.login_channel_id.is_some(),
            liff_id: line.liff_id.unwrap_or_default(),
            login_channel_id: line.login_channel_id.unwrap_or_default(),
            add_friend_url: line.add_friend_url.unwrap_or_default(),
            secret_set: line.secret_set,
            token_set: line.token_set,
        },
        staff,
        audit,
    })
}
