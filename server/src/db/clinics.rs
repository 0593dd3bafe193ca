//! Clinics and their settings, for both backends.

use app::booking::hours::{minute_of, Interval};
use app::booking::ids::*;
use app::booking::model::*;
use app::store::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

use super::backend::Backend;
use super::rows::*;
use super::secrets::SecretColumn;
use super::session::{Held, Session};
use super::sql::sql;

fn exception_columns(kind: ExceptionKind) -> (&'static str, Option<u32>, Option<u32>) {
    match kind {
        ExceptionKind::Closed => ("closed", None, None),
        ExceptionKind::ExtraHours { opens, closes } => ("extra_hours", Some(minute_of(opens)), Some(minute_of(closes))),
    }
}

impl<B: Backend, C: Held<B>> Session<B, C> {
    /// Links menu `id` to its resources, each the clinic's; `false` if one is not.
    async fn link_menu_resources(&mut self, clinic: ClinicId, id: MenuId, menu: &MenuSpec) -> Result<bool, StoreError> {
        self.execute(sql("DELETE FROM menu_resources WHERE menu_id = $1").bind(id)).await?;
        for resource in &menu.resource_ids {
            let linked = self
                .execute(
                    sql("INSERT INTO menu_resources (menu_id, resource_id) SELECT $1, id FROM resources WHERE id = $2 AND clinic_id = $3")
                        .bind(id)
                        .bind(*resource)
                        .bind(clinic),
                )
                .await?;
            if linked != 1 {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> ClinicReads for Session<B, C> {
    async fn clinics(&mut self) -> Result<Vec<Clinic>, StoreError> {
        convert(self.all::<ClinicRow>(sql(format!("SELECT {CLINIC_COLUMNS} FROM clinics ORDER BY id"))).await?)
    }

    async fn clinic(&mut self, id: ClinicId) -> Result<Option<Clinic>, StoreError> {
        self.optional::<ClinicRow>(sql(format!("SELECT {CLINIC_COLUMNS} FROM clinics WHERE id = $1")).bind(id)).await?.map(Clinic::try_from).transpose()
    }

    async fn clinic_by_slug(&mut self, slug: &str) -> Result<Option<Clinic>, StoreError> {
        self.optional::<ClinicRow>(sql(format!("SELECT {CLINIC_COLUMNS} FROM clinics WHERE slug = $1")).bind(slug)).await?.map(Clinic::try_from).transpose()
    }

    async fn resources(&mut self, clinic: ClinicId) -> Result<Vec<Resource>, StoreError> {
        convert(self.all::<ResourceRow>(sql(format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE clinic_id = $1 ORDER BY id")).bind(clinic)).await?)
    }

    async fn menus(&mut self, clinic: ClinicId) -> Result<Vec<Menu>, StoreError> {
        let rows: Vec<MenuRow> = self.all(sql(format!("SELECT {MENU_COLUMNS} FROM menus WHERE clinic_id = $1 ORDER BY position, id")).bind(clinic)).await?;
        let links: Vec<(i64, i64)> = self
            .all(sql("SELECT mr.menu_id, mr.resource_id FROM menu_resources mr JOIN menus m ON m.id = mr.menu_id WHERE m.clinic_id = $1 ORDER BY mr.menu_id, mr.resource_id").bind(clinic))
            .await?;
        menus(rows, &links)
    }

    async fn opening_hours(&mut self, clinic: ClinicId) -> Result<Vec<OpeningHours>, StoreError> {
        let q = sql("SELECT h.resource_id, h.weekday, h.opens_minute, h.closes_minute FROM opening_hours h JOIN resources r ON r.id = h.resource_id \
             WHERE r.clinic_id = $1 ORDER BY h.resource_id, h.weekday, h.opens_minute");
        convert(self.all::<HoursRow>(q.bind(clinic)).await?)
    }

    async fn exceptions(&mut self, clinic: ClinicId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DateException>, StoreError> {
        let q = sql(format!("SELECT {EXCEPTION_COLUMNS} FROM date_exceptions WHERE clinic_id = $1 AND date BETWEEN $2 AND $3 ORDER BY date, id"));
        convert(self.all::<ExceptionRow>(q.bind(clinic).bind(from).bind(to)).await?)
    }

    async fn questions(&mut self, clinic: ClinicId) -> Result<Vec<Question>, StoreError> {
        let q = sql(format!(
            "SELECT {QUESTION_COLUMNS} FROM menu_questions q JOIN menus m ON m.id = q.menu_id WHERE m.clinic_id = $1 ORDER BY q.menu_id, q.position, q.id"
        ));
        convert(self.all::<QuestionRow>(q.bind(clinic)).await?)
    }

    async fn answer_count(&mut self, question: QuestionId) -> Result<u64, StoreError> {
        let (n,): (i64,) = self.one(sql("SELECT COUNT(*) FROM appointment_answers WHERE question_id = $1").bind(question)).await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn privacy_notice(&mut self, clinic: ClinicId) -> Result<(String, String), StoreError> {
        let q = sql("SELECT privacy_notice_ja, privacy_notice_en FROM clinics WHERE id = $1").bind(clinic);
        Ok(self.optional(q).await?.unwrap_or_default())
    }

    async fn website_origins(&mut self, clinic: ClinicId) -> Result<Vec<String>, StoreError> {
        let q = sql("SELECT website_origins FROM clinics WHERE id = $1").bind(clinic);
        let (lines,): (String,) = self.optional(q).await?.unwrap_or_default();
        Ok(lines.lines().map(str::to_owned).collect())
    }

    async fn privacy_version(&mut self, clinic: ClinicId) -> Result<u32, StoreError> {
        let (version,): (i64,) = self.one(sql("SELECT COALESCE(MAX(version), 1) FROM privacy_notices WHERE clinic_id = $1").bind(clinic)).await?;
        super::rows::to_u32(version, "privacy notice version")
    }

    async fn privacy_versions(&mut self, clinic: ClinicId) -> Result<Vec<PrivacyVersion>, StoreError> {
        let q = sql("SELECT version, created_at, notice_ja, notice_en FROM privacy_notices WHERE clinic_id = $1 ORDER BY version");
        let rows: Vec<(i64, DateTime<Utc>, String, String)> = self.all(q.bind(clinic)).await?;
        rows.into_iter()
            .map(|(v, created_at, ja, en)| Ok(PrivacyVersion { version: super::rows::to_u32(v, "privacy notice version")?, created_at, ja, en }))
            .collect()
    }

    async fn mail_from(&mut self, clinic: ClinicId) -> Result<Option<String>, StoreError> {
        let q = sql("SELECT mail_from FROM clinics WHERE id = $1").bind(clinic);
        let (address,): (String,) = self.optional(q).await?.unwrap_or_default();
        Ok(Some(address).filter(|a| !a.is_empty()))
    }

    async fn answers_kept_days(&mut self, clinic: ClinicId) -> Result<Option<u32>, StoreError> {
        let (days,): (Option<i64>,) = self.optional(sql("SELECT answers_kept_days FROM clinics WHERE id = $1").bind(clinic)).await?.unwrap_or((None,));
        days.map(|d| super::rows::to_u32(d, "answers_kept_days")).transpose()
    }

    async fn answer_deletions(&mut self, clinic: ClinicId, limit: u32) -> Result<Vec<AnswerDeletion>, StoreError> {
        let q = sql("SELECT at, visits_before, visits, answers FROM answer_deletions WHERE clinic_id = $1 ORDER BY id DESC LIMIT $2");
        let rows: Vec<(DateTime<Utc>, NaiveDate, i64, i64)> = self.all(q.bind(clinic).bind(i64::from(limit))).await?;
        Ok(rows
            .into_iter()
            .map(|(at, visits_before, visits, answers)| AnswerDeletion { at, visits_before, visits: visits as u64, answers: answers as u64 })
            .collect())
    }

    async fn clinic_options(&mut self, clinic: ClinicId) -> Result<ClinicOptions, StoreError> {
        let clinic = ClinicReads::clinic(self, clinic).await?.ok_or_else(|| StoreError::corrupt("options of no clinic"))?;
        Ok(ClinicOptions { open_on_holidays: clinic.open_on_holidays, reminder_hour: clinic.reminder_hour, booking_limit: clinic.booking_limit })
    }

    async fn line_settings(&mut self, clinic: ClinicId) -> Result<Option<LineSettings>, StoreError> {
        let q = sql("SELECT liff_id, line_login_channel_id, line_channel_secret, line_channel_access_token, line_add_friend_url FROM clinics WHERE id = $1");
        let Some(row) = self.optional::<LineRow>(q.bind(clinic)).await? else { return Ok(None) };
        row.settings(|column, stored| self.secrets.open(clinic, column, stored))
    }

    async fn rich_menu(&mut self, clinic: ClinicId) -> Result<Option<StoredRichMenu>, StoreError> {
        let q = sql("SELECT line_rich_menu_id, line_rich_menu_access_url, line_rich_menu_menus, line_rich_menu_set_at FROM clinics WHERE id = $1");
        let row = self.optional::<(Option<String>, Option<String>, bool, Option<DateTime<Utc>>)>(q.bind(clinic)).await?;
        Ok(match row {
            Some((Some(id), access_url, menu_buttons, Some(set_at))) => Some(StoredRichMenu { id, access_url, menu_buttons, set_at }),
            _ => None,
        })
    }

    async fn change_version(&mut self, clinic: ClinicId) -> Result<ChangeVersion, StoreError> {
        let q = sql("SELECT (SELECT MAX(id) FROM appointment_events WHERE clinic_id = $1), (SELECT MAX(id) FROM settings_audit WHERE clinic_id = $1)");
        let (appointments, settings): (Option<i64>, Option<i64>) = self.one(q.bind(clinic)).await?;
        Ok(ChangeVersion { appointments: appointments.unwrap_or(0), settings: settings.unwrap_or(0) })
    }

    async fn settings_audit(&mut self, clinic: ClinicId, limit: u32) -> Result<Vec<SettingsAuditEntry>, StoreError> {
        let q = sql("SELECT a.at, a.staff_id, s.display_name AS staff_name, a.area, a.summary FROM settings_audit a \
             LEFT JOIN staff s ON s.id = a.staff_id WHERE a.clinic_id = $1 ORDER BY a.id DESC LIMIT $2");
        convert(self.all::<SettingsAuditRow>(q.bind(clinic).bind(limit)).await?)
    }
}

#[async_trait]
impl<B: Backend, C: Held<B>> ClinicWrites for Session<B, C> {
    async fn insert_clinic(&mut self, c: &NewClinic, now: DateTime<Utc>) -> Result<ClinicId, StoreError> {
        let q = sql("INSERT INTO clinics (slug, name_ja, name_en, time_zone, open_on_holidays, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
        let (id,): (i64,) = self.one(q.bind(&c.slug).bind(&c.name_ja).bind(&c.name_en).bind(c.time_zone.name()).bind(c.open_on_holidays).bind(now)).await?;
        // The (empty) notice a new clinic starts with is version 1.
        self.execute(sql("INSERT INTO privacy_notices (clinic_id, version, notice_ja, notice_en, created_at) VALUES ($1, 1, '', '', $2)").bind(id).bind(now))
            .await?;
        Ok(ClinicId(id))
    }

    async fn lock_clinic(&mut self, clinic: ClinicId) -> Result<bool, StoreError> {
        Ok(self.optional::<(i64,)>(sql(format!("SELECT id FROM clinics WHERE id = $1{}", B::FOR_UPDATE)).bind(clinic)).await?.is_some())
    }

    async fn insert_resource(&mut self, clinic: ClinicId, r: &ResourceSpec) -> Result<ResourceId, StoreError> {
        let q = sql("INSERT INTO resources (clinic_id, name_ja, name_en, kind) VALUES ($1, $2, $3, $4) RETURNING id");
        let (id,): (i64,) = self.one(q.bind(clinic).bind(&r.name_ja).bind(&r.name_en).bind(r.kind.as_str())).await?;
        Ok(ResourceId(id))
    }

    async fn update_resource(&mut self, clinic: ClinicId, id: ResourceId, r: &ResourceSpec) -> Result<bool, StoreError> {
        let q = sql("UPDATE resources SET name_ja = $1, name_en = $2, kind = $3 WHERE id = $4 AND clinic_id = $5");
        Ok(self.execute(q.bind(&r.name_ja).bind(&r.name_en).bind(r.kind.as_str()).bind(id).bind(clinic)).await? == 1)
    }

    async fn lock_resource(&mut self, clinic: ClinicId, resource: ResourceId) -> Result<bool, StoreError> {
        let q = sql(format!("SELECT id FROM resources WHERE id = $1 AND clinic_id = $2{}", B::FOR_UPDATE));
        Ok(self.optional::<(i64,)>(q.bind(resource).bind(clinic)).await?.is_some())
    }

    async fn insert_menu(&mut self, clinic: ClinicId, m: &MenuSpec) -> Result<MenuId, StoreError> {
        let q = sql("INSERT INTO menus (clinic_id, position, name_ja, name_en, duration_minutes, mode, capacity, buffer_before_minutes, \
             buffer_after_minutes, min_notice_minutes, horizon_days, cancel_cutoff_minutes, requires_approval, hold_minutes, active, \
             several_per_day, near_turn) VALUES ($1, (SELECT COUNT(*) FROM menus WHERE clinic_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             RETURNING id");
        let q = menu_values(q.bind(clinic), m);
        let (id,): (i64,) = self.one(q).await?;
        let id = MenuId(id);
        if !self.link_menu_resources(clinic, id, m).await? {
            return Err(StoreError::corrupt("a menu linked to another clinic's resource"));
        }
        Ok(id)
    }

    async fn update_menu(&mut self, clinic: ClinicId, id: MenuId, m: &MenuSpec) -> Result<bool, StoreError> {
        let q = sql("UPDATE menus SET name_ja = $1, name_en = $2, duration_minutes = $3, mode = $4, capacity = $5, buffer_before_minutes = $6, \
             buffer_after_minutes = $7, min_notice_minutes = $8, horizon_days = $9, cancel_cutoff_minutes = $10, requires_approval = $11, \
             hold_minutes = $12, active = $13, several_per_day = $14, near_turn = $15 WHERE id = $16 AND clinic_id = $17");
        if self.execute(menu_values(q, m).bind(id).bind(clinic)).await? != 1 {
            return Ok(false);
        }
        if !self.link_menu_resources(clinic, id, m).await? {
            return Err(StoreError::corrupt("a menu linked to another clinic's resource"));
        }
        Ok(true)
    }

    async fn set_weekday_hours(&mut self, resource: ResourceId, weekday: Weekday, intervals: &[Interval]) -> Result<(), StoreError> {
        let day = weekday.num_days_from_monday();
        self.execute(sql("DELETE FROM opening_hours WHERE resource_id = $1 AND weekday = $2").bind(resource).bind(day)).await?;
        for i in intervals {
            let q = sql("INSERT INTO opening_hours (resource_id, weekday, opens_minute, closes_minute) VALUES ($1, $2, $3, $4)");
            self.execute(q.bind(resource).bind(day).bind(i.opens).bind(i.closes)).await?;
        }
        Ok(())
    }

    async fn insert_exception(
        &mut self,
        clinic: ClinicId,
        date: NaiveDate,
        resource: Option<ResourceId>,
        kind: ExceptionKind,
    ) -> Result<ExceptionId, StoreError> {
        let (kind, opens, closes) = exception_columns(kind);
        let q =
            sql("INSERT INTO date_exceptions (clinic_id, resource_id, date, kind, opens_minute, closes_minute) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
        let (id,): (i64,) = self.one(q.bind(clinic).bind(resource).bind(date).bind(kind).bind(opens).bind(closes)).await?;
        Ok(ExceptionId(id))
    }

    async fn delete_exception(&mut self, clinic: ClinicId, id: ExceptionId) -> Result<Option<DateException>, StoreError> {
        let q = sql(format!("SELECT {EXCEPTION_COLUMNS} FROM date_exceptions WHERE id = $1 AND clinic_id = $2"));
        let Some(row) = self.optional::<ExceptionRow>(q.bind(id).bind(clinic)).await? else { return Ok(None) };
        self.execute(sql("DELETE FROM date_exceptions WHERE id = $1 AND clinic_id = $2").bind(id).bind(clinic)).await?;
        DateException::try_from(row).map(Some)
    }

    async fn set_clinic_options(&mut self, clinic: ClinicId, o: ClinicOptions) -> Result<(), StoreError> {
        let q = sql("UPDATE clinics SET open_on_holidays = $1, reminder_hour = $2, booking_limit = $3 WHERE id = $4");
        self.execute(q.bind(o.open_on_holidays).bind(o.reminder_hour).bind(o.booking_limit).bind(clinic)).await.map(drop)
    }

    async fn set_website_origins(&mut self, clinic: ClinicId, origins: &[String]) -> Result<(), StoreError> {
        self.execute(sql("UPDATE clinics SET website_origins = $1 WHERE id = $2").bind(origins.join("\n")).bind(clinic)).await.map(drop)
    }

    async fn set_mail_from(&mut self, clinic: ClinicId, address: Option<&str>) -> Result<(), StoreError> {
        self.execute(sql("UPDATE clinics SET mail_from = $1 WHERE id = $2").bind(address.unwrap_or_default()).bind(clinic)).await.map(drop)
    }

    async fn set_privacy_notice(&mut self, clinic: ClinicId, ja: &str, en: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.execute(sql("UPDATE clinics SET privacy_notice_ja = $1, privacy_notice_en = $2 WHERE id = $3").bind(ja).bind(en).bind(clinic)).await?;
        let q = sql("INSERT INTO privacy_notices (clinic_id, version, notice_ja, notice_en, created_at) \
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM privacy_notices WHERE clinic_id = $1");
        self.execute(q.bind(clinic).bind(ja).bind(en).bind(now)).await.map(drop)
    }

    async fn set_answers_kept_days(&mut self, clinic: ClinicId, days: Option<u32>) -> Result<(), StoreError> {
        self.execute(sql("UPDATE clinics SET answers_kept_days = $1 WHERE id = $2").bind(days.map(i64::from)).bind(clinic)).await.map(drop)
    }

    async fn set_line_settings(&mut self, clinic: ClinicId, line: Option<&LineSettings>) -> Result<(), StoreError> {
        let q = sql("UPDATE clinics SET liff_id = $1, line_login_channel_id = $2, line_channel_secret = $3, line_channel_access_token = $4, \
             line_add_friend_url = $5 WHERE id = $6");
        let q = q
            .bind(line.map(|l| &l.liff_id))
            .bind(line.map(|l| &l.login_channel_id))
            .bind(self.secrets.seal(clinic, SecretColumn::ChannelSecret, line.and_then(|l| l.channel_secret.as_deref()))?)
            .bind(self.secrets.seal(clinic, SecretColumn::AccessToken, line.and_then(|l| l.channel_access_token.as_deref()))?)
            .bind(line.and_then(|l| l.add_friend_url.as_ref()))
            .bind(clinic);
        self.execute(q).await.map(drop)
    }

    async fn set_rich_menu(&mut self, clinic: ClinicId, menu: Option<&StoredRichMenu>) -> Result<(), StoreError> {
        let q = sql(
            "UPDATE clinics SET line_rich_menu_id = $1, line_rich_menu_access_url = $2, line_rich_menu_menus = $3, line_rich_menu_set_at = $4 WHERE id = $5",
        );
        let q =
            q.bind(menu.map(|m| &m.id)).bind(menu.and_then(|m| m.access_url.as_ref())).bind(menu.is_some_and(|m| m.menu_buttons)).bind(menu.map(|m| m.set_at));
        self.execute(q.bind(clinic)).await.map(drop)
    }

    async fn insert_question(&mut self, menu: MenuId, q: &QuestionSpec) -> Result<QuestionId, StoreError> {
        let statement = sql("INSERT INTO menu_questions (menu_id, position, label_ja, label_en, kind, choices_ja, choices_en, required) \
             VALUES ($1, (SELECT COALESCE(MAX(position) + 1, 0) FROM menu_questions WHERE menu_id = $1), $2, $3, $4, $5, $6, $7) RETURNING id");
        let (id,): (i64,) = self.one(question_values(statement.bind(menu), q)).await?;
        Ok(QuestionId(id))
    }

    async fn update_question(&mut self, id: QuestionId, q: &QuestionSpec) -> Result<(), StoreError> {
        let statement = sql("UPDATE menu_questions SET label_ja = $1, label_en = $2, kind = $3, choices_ja = $4, choices_en = $5, required = $6 WHERE id = $7");
        self.execute(question_values(statement, q).bind(id)).await.map(drop)
    }

    async fn delete_question(&mut self, id: QuestionId) -> Result<(), StoreError> {
        self.execute(sql("DELETE FROM menu_questions WHERE id = $1").bind(id)).await.map(drop)
    }

    async fn set_question_order(&mut self, order: &[QuestionId]) -> Result<(), StoreError> {
        for (position, id) in order.iter().enumerate() {
            self.execute(sql("UPDATE menu_questions SET position = $1 WHERE id = $2").bind(position as i64).bind(*id)).await?;
        }
        Ok(())
    }

    async fn audit_settings(&mut self, clinic: ClinicId, actor: Actor, area: SettingsArea, summary: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let q = sql("INSERT INTO settings_audit (clinic_id, staff_id, area, summary, at) VALUES ($1, $2, $3, $4, $5)");
        self.execute(q.bind(clinic).bind(actor.staff()).bind(area.as_str()).bind(summary).bind(at)).await.map(drop)
    }
}

/// The rule columns of a menu, in the order both statements above bind them.
fn menu_values(q: super::sql::Sql, m: &MenuSpec) -> super::sql::Sql {
    q.bind(&m.name_ja)
        .bind(&m.name_en)
        .bind(m.duration_minutes)
        .bind(m.mode.kind().as_str())
        .bind(m.mode.capacity())
        .bind(m.buffer_before_minutes)
        .bind(m.buffer_after_minutes)
        .bind(m.min_notice_minutes)
        .bind(m.horizon_days)
        .bind(m.cancel_cutoff_minutes)
        .bind(m.approval == Approval::RequiresStaff)
        .bind(m.hold_minutes)
        .bind(m.active)
        .bind(m.several_per_day)
        .bind(m.near_turn)
}

fn question_values(statement: super::sql::Sql, q: &QuestionSpec) -> super::sql::Sql {
    statement.bind(&q.label_ja).bind(&q.label_en).bind(q.kind.as_str()).bind(q.choices_ja.join("\n")).bind(q.choices_en.join("\n")).bind(q.required)
}
