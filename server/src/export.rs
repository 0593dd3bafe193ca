//! `GET /staff/export.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&lang=ja|en]`: the clinic's appointments
//! of a date range (clinic-local dates, both included, at most 366 days) as CSV for Excel:
//! UTF-8 with a byte order mark, a header row, times in the clinic's time zone.
//!
//! Only for a signed-in staff member (401 otherwise), only their clinic's appointments, and
//! never the answers to the clinic's questions: medical details stay in the console.
//!
//! `GET /staff/patients/{id}/data.json`: one patient's data, for the owner ([`patient_json`]).
//!
//! `GET /staff/consents.csv[?lang=…]`: every consent to the clinic's privacy notice (who, when,
//! which version, how), for the owner only (403 for other staff), for an audit.

use std::borrow::Cow;

use app::api::staff::auth::staff_from_headers;
use app::i18n::Lang;
use app::state::AppState;
use app::store::{ExportRow, Store};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

/// The longest range one export covers, in days (a leap year).
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize)]
pub struct ExportParams {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub lang: Option<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("開始日を YYYY-MM-DD の形で指定してください。 (The start date must be YYYY-MM-DD.)")]
    BadFrom,
    #[error("終了日を YYYY-MM-DD の形で指定してください。 (The end date must be YYYY-MM-DD.)")]
    BadTo,
    #[error("終了日は開始日と同じか、それより後にしてください。 (The end date must not be before the start date.)")]
    Reversed,
    #[error("一度に書き出せるのは366日までです。 (One export covers at most 366 days.)")]
    TooLong,
}

/// The range asked for, checked.
pub fn parse_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), RangeError> {
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let from = parse(from).ok_or(RangeError::BadFrom)?;
    let to = parse(to).ok_or(RangeError::BadTo)?;
    if to < from {
        return Err(RangeError::Reversed);
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(RangeError::TooLong);
    }
    Ok((from, to))
}

pub async fn export_csv(State(state): State<AppState>, headers: HeaderMap, Query(params): Query<ExportParams>) -> Response {
    let Some(ctx) = staff_from_headers(state.store.as_ref(), &headers).await else {
        return plain(StatusCode::UNAUTHORIZED, "サインインしてください。 (Please sign in.)".into());
    };
    let (from, to) = match parse_range(&params.from, &params.to) {
        Ok(range) => range,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let lang = params.lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    if let Err(response) = logged(state.store.as_ref(), &ctx, None, format!("appointments {from}..{to}")).await {
        return response;
    }
    let rows = match export(state.store.as_ref(), ctx.clinic.id, from, to).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, clinic = %ctx.clinic.id, "CSV export failed");
            return temporary_error();
        }
    };
    let body = match appointments_csv(&rows, ctx.clinic.time_zone, lang) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "cannot write the CSV");
            return temporary_error();
        }
    };
    tracing::info!(staff = %ctx.staff.id, clinic = %ctx.clinic.id, %from, %to, rows = rows.len(), "appointments exported");
    let filename = format!("appointments-{}-{from}-{to}.csv", ctx.clinic.slug);
    csv_file(filename, "attachment; filename=\"appointments.csv\"", body)
}

pub async fn consents_csv(State(state): State<AppState>, headers: HeaderMap, Query(params): Query<ExportParams>) -> Response {
    let ctx = match owner_from(&state, &headers).await {
        Ok(ctx) => ctx,
        Err(refused) => return refused,
    };
    let lang = params.lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    if let Err(response) = logged(state.store.as_ref(), &ctx, None, "consents".into()).await {
        return response;
    }
    let body = match consent_rows(state.store.as_ref(), ctx.clinic.id).await.map(|rows| write_consents(&rows, ctx.clinic.time_zone, lang)) {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot write the CSV");
            return temporary_error();
        }
        Err(e) => {
            tracing::error!(error = %e, clinic = %ctx.clinic.id, "consent export failed");
            return temporary_error();
        }
    };
    tracing::info!(staff = %ctx.staff.id, clinic = %ctx.clinic.id, "consents exported");
    csv_file(format!("consents-{}.csv", ctx.clinic.slug), "attachment; filename=\"consents.csv\"", body)
}

#[derive(Debug, Default, Deserialize)]
pub struct AccessParams {
    #[serde(default)]
    pub staff: Option<i64>,
    #[serde(default)]
    pub patient: Option<i64>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// `GET /staff/access.csv[?staff=ID][&patient=ID][&lang=…]`: the access log (owner only), newest
/// first. Downloading it is itself an entry.
pub async fn access_csv(State(state): State<AppState>, headers: HeaderMap, Query(params): Query<AccessParams>) -> Response {
    use app::booking::ids::{PatientId, StaffId};
    let ctx = match owner_from(&state, &headers).await {
        Ok(ctx) => ctx,
        Err(refused) => return refused,
    };
    let lang = params.lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    if let Err(response) = logged(state.store.as_ref(), &ctx, None, "access log".into()).await {
        return response;
    }
    let filter = app::store::AccessFilter { staff: params.staff.map(StaffId), patient: params.patient.map(PatientId) };
    let items = match state.store.read().await {
        Ok(mut db) => app::api::staff::access::ssr::items(db.as_mut(), &ctx.clinic, filter, u32::MAX, lang).await,
        Err(e) => Err(e.into()),
    };
    let written = items.map_err(|e| e.to_string()).and_then(|items| write_access(&items, lang).map_err(|e| e.to_string()));
    let body = match written {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, clinic = %ctx.clinic.id, "access log export failed");
            return temporary_error();
        }
    };
    csv_file(format!("access-{}.csv", ctx.clinic.slug), "attachment; filename=\"access.csv\"", body)
}

/// The access log as CSV: BOM, header row, one row per entry (times as the console shows them).
pub fn write_access(items: &[app::api::staff::access::AccessItem], lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(BOM.to_vec());
    let header: [(&str, &str); 6] =
        [("日時", "When"), ("スタッフ", "Staff"), ("患者番号", "Patient no."), ("患者名", "Patient"), ("内容", "What"), ("詳細", "Detail")];
    out.write_record(header.iter().map(|(ja, en)| lang.pick(ja, en)))?;
    for a in items {
        let record: [Cow<'_, str>; 6] = [
            a.at.as_str().into(),
            cell(&a.staff_name),
            a.patient_id.map(|p| p.0.to_string()).unwrap_or_default().into(),
            cell(&a.patient_name),
            a.what.as_str().into(),
            cell(&a.detail),
        ];
        out.write_record(record.iter().map(|c| c.as_bytes()))?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A consent with the patient's name and the booking's reference.
pub struct ConsentRow {
    pub consent: app::store::Consent,
    pub name: String,
    pub furigana: String,
    pub reference: String,
}

async fn consent_rows(store: &dyn Store, clinic: app::booking::ids::ClinicId) -> Result<Vec<ConsentRow>, app::store::StoreError> {
    let mut db = store.read().await?;
    let consents = db.consents(clinic, None).await?;
    let mut ids: Vec<_> = consents.iter().map(|c| c.patient_id).collect();
    ids.sort();
    ids.dedup();
    let patients = db.patients(clinic, &ids).await?;
    let appointments = db.appointments_of(clinic, &ids).await?;
    Ok(consents
        .into_iter()
        .map(|consent| {
            let patient = patients.iter().find(|p| p.id == consent.patient_id);
            let reference = consent.appointment_id.and_then(|id| appointments.iter().find(|a| a.id == id)).map(|a| a.reference.clone()).unwrap_or_default();
            ConsentRow {
                name: patient.map(|p| p.details.name.clone()).unwrap_or_default(),
                furigana: patient.map(|p| p.details.furigana.clone()).unwrap_or_default(),
                reference,
                consent,
            }
        })
        .collect())
}

/// The consents as CSV: BOM, header row, one row each, oldest first; times in `tz`.
pub fn write_consents(rows: &[ConsentRow], tz: Tz, lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(BOM.to_vec());
    let header: [(&str, &str); 7] = [
        ("同意日時", "Consented at"),
        ("患者番号", "Patient no."),
        ("患者名", "Patient"),
        ("フリガナ", "Furigana"),
        ("通知の版", "Notice version"),
        ("経路", "Channel"),
        ("予約番号", "Reference"),
    ];
    out.write_record(header.iter().map(|(ja, en)| lang.pick(ja, en)))?;
    for r in rows {
        let c = &r.consent;
        let record: [Cow<'_, str>; 7] = [
            c.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string().into(),
            c.patient_id.0.to_string().into(),
            cell(&r.name),
            cell(&r.furigana),
            c.notice_version.to_string().into(),
            c.channel.label(lang).into(),
            cell(&r.reference),
        ];
        out.write_record(record.iter().map(|c| c.as_bytes()))?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

async fn export(store: &dyn Store, clinic: app::booking::ids::ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<ExportRow>, app::store::StoreError> {
    store.read().await?.export(clinic, from, to).await
}

/// Keeps the export in the access log before it is made: no file leaves unlogged.
/// Keeps the export in the access log (of `patient`, when it is one patient's) before it is sent.
async fn logged(
    store: &dyn Store,
    ctx: &app::api::staff::auth::StaffContext,
    patient: Option<app::booking::ids::PatientId>,
    what: String,
) -> Result<(), Response> {
    app::api::staff::access::ssr::log(store, ctx, app::store::AccessKind::Exported, [(patient, what)]).await.map_err(|e| {
        tracing::error!(error = %e, "the export could not be logged");
        plain(StatusCode::SERVICE_UNAVAILABLE, "一時的なエラーが発生しました。 (A temporary error occurred.)".into())
    })
}

/// `GET /staff/patients/{id}/data.json[?lang=…]`: everything the clinic holds about one patient
/// (details, visits with their answers, consents, a deletion request), for a 開示請求: the owner
/// only, kept in the access log as an export of that patient before it is sent.
pub async fn patient_json(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>, Query(params): Query<ExportParams>) -> Response {
    let ctx = match owner_from(&state, &headers).await {
        Ok(ctx) => ctx,
        Err(refused) => return refused,
    };
    let (lang, id) = (params.lang.as_deref().map(Lang::from_tag).unwrap_or_default(), app::booking::ids::PatientId(id));
    let data = match state.store.read().await {
        Ok(mut db) => app::api::data_rights::ssr::view_of(db.as_mut(), &ctx.clinic, id, lang).await,
        Err(e) => Err(e.into()),
    };
    let data = match data {
        Ok(data) => data,
        Err(app::error::Problem::NotFound(_)) => return plain(StatusCode::NOT_FOUND, "この患者さまは見つかりません。 (No such patient.)".into()),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the patient's data");
            return temporary_error();
        }
    };
    if let Err(response) = logged(state.store.as_ref(), &ctx, Some(id), "開示 patient data".into()).await {
        return response;
    }
    match serde_json::to_vec_pretty(&data) {
        Ok(body) => attachment("application/json; charset=utf-8", format!("patient-{}.json", id.0), "attachment", body),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the patient's data");
            temporary_error()
        }
    }
}

/// The signed-in owner, or the refusal to answer with (401 signed out, 403 other staff).
async fn owner_from(state: &AppState, headers: &HeaderMap) -> Result<app::api::staff::auth::StaffContext, Response> {
    let Some(ctx) = staff_from_headers(state.store.as_ref(), headers).await else {
        return Err(plain(StatusCode::UNAUTHORIZED, "サインインしてください。 (Please sign in.)".into()));
    };
    if ctx.staff.role != app::store::StaffRole::Owner {
        return Err(plain(StatusCode::FORBIDDEN, "院長(オーナー)のみ書き出せます。 (Only the owner can export this.)".into()));
    }
    Ok(ctx)
}

/// A CSV download named `name` (`fallback`: the whole header, for a name that cannot be one),
/// never cached.
fn csv_file(name: String, fallback: &'static str, body: Vec<u8>) -> Response {
    attachment("text/csv; charset=utf-8", name, fallback, body)
}

fn attachment(content_type: &'static str, name: String, fallback: &'static str, body: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).unwrap_or_else(|_| HeaderValue::from_static(fallback));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

fn temporary_error() -> Response {
    plain(StatusCode::INTERNAL_SERVER_ERROR, "一時的なエラーが発生しました。 (A temporary error occurred.)".into())
}

fn plain(status: StatusCode, message: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], message).into_response()
}

/// The byte order mark Excel needs to read UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV file: BOM, header row, one row per appointment; times in `tz`.
pub fn appointments_csv(rows: &[ExportRow], tz: Tz, lang: Lang) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(BOM.to_vec());
    let header: [(&str, &str); 12] = [
        ("日付", "Date"),
        ("開始", "Start"),
        ("終了", "End"),
        ("メニュー", "Menu"),
        ("担当", "With"),
        ("患者名", "Patient"),
        ("フリガナ", "Furigana"),
        ("電話番号", "Phone"),
        ("状態", "Status"),
        ("受付番号", "Queue number"),
        ("予約番号", "Reference"),
        ("受付日時", "Booked at"),
    ];
    out.write_record(header.iter().map(|(ja, en)| lang.pick(ja, en)))?;
    for r in rows {
        let time = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
        let record: [Cow<'_, str>; 12] = [
            r.service_date.format("%Y-%m-%d").to_string().into(),
            time(r.starts_at).into(),
            time(r.ends_at).into(),
            cell(lang.pick(&r.menu_name_ja, &r.menu_name_en)),
            cell(lang.pick(&r.resource_name_ja, &r.resource_name_en)),
            cell(&r.patient_name),
            cell(&r.furigana),
            cell(&r.phone),
            r.status.label(lang).into(),
            r.queue_number.map(|n| n.to_string()).unwrap_or_default().into(),
            cell(&r.reference),
            r.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string().into(),
        ];
        out.write_record(record.iter().map(|c| c.as_bytes()))?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Text typed by people, made safe for a spreadsheet: a cell that starts like a formula
/// (`=`, `@`, `+`/`-` not followed by a phone number, a tab or a carriage return) gets a leading
/// apostrophe so Excel shows it instead of running it. Quoting is the CSV writer's job.
pub fn cell(s: &str) -> Cow<'_, str> {
    let risky = match s.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !s[1..].chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' '),
        _ => false,
    };
    if risky {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(parse_range("2030-01-01", "2030-01-31"), Ok((d(2030, 1, 1), d(2030, 1, 31))));
        assert_eq!(parse_range("2030-01-01", "2030-01-01"), Ok((d(2030, 1, 1), d(2030, 1, 1))));
        // 2028 is a leap year: 1 January to 31 December is 366 days.
        assert_eq!(parse_range("2028-01-01", "2028-12-31"), Ok((d(2028, 1, 1), d(2028, 12, 31))));
        assert_eq!(parse_range("2028-01-01", "2029-01-01"), Err(RangeError::TooLong));
        assert_eq!(parse_range("2030/01/01", "2030-01-31"), Err(RangeError::BadFrom));
        assert_eq!(parse_range("2030-01-01", ""), Err(RangeError::BadTo));
        assert_eq!(parse_range("2030-02-30", "2030-03-01"), Err(RangeError::BadFrom));
        assert_eq!(parse_range("2030-02-01", "2030-01-31"), Err(RangeError::Reversed));
    }

    #[test]
    fn formulas_are_neutralised_and_phones_are_not() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-1+2"), "'-1+2");
        assert_eq!(cell("+81 90-1234-5678"), "+81 90-1234-5678");
        assert_eq!(cell("09012345678"), "09012345678");
        assert_eq!(cell("山田, 太郎"), "山田, 太郎");
        assert_eq!(cell(""), "");
    }
}
