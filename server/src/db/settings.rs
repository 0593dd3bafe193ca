//! The clinic's settings ([`app::store::settings::SettingsStore`]) for both backends, written once:
//! `settings_queries!(sqlx::Sqlite, SqliteStore, for_update = "")`. Every change runs in one
//! write transaction that also writes its row of `settings_audit`, and every statement is scoped
//! by the editor's clinic, so an id of another clinic is `NotFound` and changes nothing.

macro_rules! settings_queries {
    ($Db:ty, $Store:ident, for_update = $fu:literal) => {
        #[allow(dead_code)]
        pub(super) mod settings_q {
            use app::booking::ids::*;
            use app::booking::model::*;
            use app::store::settings::*;
            use app::store::{NewResource, Question, QuestionKind, StaffRole, StoreError};
            use async_trait::async_trait;
            use chrono::{NaiveDate, Weekday};

            use crate::db::rows::SELECT_HOURS;
            use crate::db::DbError;

            pub type Conn = <$Db as sqlx::Database>::Connection;

            const WEEKDAYS: [&str; 7] = ["月 Mon", "火 Tue", "水 Wed", "木 Thu", "金 Fri", "土 Sat", "日 Sun"];

            async fn commit(tx: sqlx::Transaction<'static, $Db>) -> Result<(), StoreError> {
                tx.commit().await.map_err(DbError::from)?;
                Ok(())
            }

            /// The audit row of a change, in the change's transaction.
            async fn audit(c: &mut Conn, by: Editor, area: &str, summary: String) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO settings_audit (clinic_id, staff_id, area, summary, at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(by.clinic.0)
                    .bind(by.staff.0)
                    .bind(area)
                    .bind(summary)
                    .bind(by.now)
                    .execute(&mut *c)
                    .await
                    .map_err(DbError::from)?;
                Ok(())
            }

            /// The clinic's resource (locked for the rest of the transaction where the backend
            /// locks rows, so a change of hours and a booking of the resource never interleave):
            /// its Japanese name, or `NotFound`.
            async fn own_resource(c: &mut Conn, by: Editor, id: ResourceId) -> Result<String, StoreError> {
                let sql = format!("SELECT name_ja FROM resources WHERE id = $1 AND clinic_id = $2{}", $fu);
                let name: Option<String> =
                    sqlx::query_scalar(&sql).bind(id.0).bind(by.clinic.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                name.ok_or(StoreError::NotFound)
            }

            /// The clinic's question: its menu and label, or `NotFound`.
            async fn own_question(c: &mut Conn, by: Editor, id: QuestionId) -> Result<(i64, String), StoreError> {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT q.menu_id, q.label_ja FROM menu_questions q JOIN menus m ON m.id = q.menu_id WHERE q.id = $1 AND m.clinic_id = $2",
                )
                .bind(id.0)
                .bind(by.clinic.0)
                .fetch_optional(&mut *c)
                .await
                .map_err(DbError::from)?;
                row.ok_or(StoreError::NotFound)
            }

            /// A value the forms refuse first; storage keeps nothing that breaks it either.
            fn invalid(why: &'static str) -> StoreError {
                StoreError::Rejected(why)
            }

            fn role_of(stored: &str) -> Result<StaffRole, StoreError> {
                match stored {
                    "owner" => Ok(StaffRole::Owner),
                    "staff" => Ok(StaffRole::Staff),
                    other => Err(StoreError::Internal(format!("unexpected stored staff role {other}").into())),
                }
            }

            /// The clinic's account `id`: its e-mail, role and whether it is disabled, or
            /// `NotFound`. Locks the clinic's row first (where the backend locks rows; SQLite's
            /// write transaction is exclusive anyway), so two changes of the clinic's staff never
            /// interleave and the last-owner rule holds.
            async fn own_staff(c: &mut Conn, by: Editor, id: StaffId) -> Result<(String, StaffRole, bool), StoreError> {
                let lock = format!("SELECT id FROM clinics WHERE id = $1{}", $fu);
                let clinic: Option<i64> = sqlx::query_scalar(&lock).bind(by.clinic.0).fetch_optional(&mut *c).await.map_err(DbError::from)?;
                clinic.ok_or(StoreError::NotFound)?;
                let row: Option<(String, String, bool)> =
                    sqlx::query_as("SELECT email, role, disabled_at IS NOT NULL FROM staff WHERE id = $1 AND clinic_id = $2")
                        .bind(id.0)
                        .bind(by.clinic.0)
                        .fetch_optional(&mut *c)
                        .await
                        .map_err(DbError::from)?;
                let (email, role, disabled) = row.ok_or(StoreError::NotFound)?;
                Ok((email, role_of(&role)?, disabled))
            }

            /// Account `id`, an active owner, is about to stop being one: refused when no other
            /// active owner would remain.
            async fn keep_an_owner(c: &mut Conn, by: Editor, id: StaffId) -> Result<(), StoreError> {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM staff WHERE clinic_id = $1 AND role = 'owner' AND disabled_at IS NULL AND id <> $2",
                )
                .bind(by.clinic.0)
                .bind(id.0)
                .fetch_one(&mut *c)
                .await
                .map_err(DbError::from)?;
                if others == 0 { Err(StoreError::LastOwner) } else { Ok(()) }
            }

            async fn end_sessions(c: &mut Conn, id: StaffId) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1").bind(id.0).execute(&mut *c).await.map_err(DbError::from)?;
                Ok(())
            }

            fn interval_of(opens: Option<i64>, closes: Option<i64>) -> Option<Interval> {
                match (opens.and_then(|o| u32::try_from(o).ok()), closes.and_then(|c| u32::try_from(c).ok())) {
                    (Some(opens), Some(closes)) => Some(Interval { opens, closes }),
                    _ => None,
                }
            }

            fn menu_summary(m: &MenuSetting) -> String {
                let menu = &m.menu;
                format!(
                    "{} / {}: {} ×{}, {}分, 前後{}/{}分, 受付締切{}分前, {}日先まで, キャンセル{}分前まで, {}, 保留{}分, 担当{:?}, {}",
                    menu.name_ja,
                    menu.name_en,
                    menu.mode.kind().as_str(),
                    menu.mode.capacity(),
                    menu.duration_minutes,
                    menu.buffer_before_minutes,
                    menu.buffer_after_minutes,
                    menu.min_notice_minutes,
                    menu.horizon_days,
                    menu.cancel_cutoff_minutes,
                    if menu.approval == Approval::AutoConfirm { "自動確定 auto-confirm" } else { "承認制 approval" },
                    menu.hold_minutes,
                    menu.resource_ids.iter().map(|r| r.0).collect::<Vec<_>>(),
                    if m.active { "公開 active" } else { "非公開 inactive" },
                )
            }

            fn check_question(q: &Question) -> Result<(), StoreError> {
                if q.label_ja.trim().is_empty() || q.label_en.trim().is_empty() {
                    return Err(invalid("a question needs a label in Japanese and English"));
                }
                if q.kind == QuestionKind::Choice && (q.choices_ja.is_empty() || q.choices_ja.len() != q.choices_en.len()) {
                    return Err(invalid("a choice question needs the same choices in Japanese and English"));
                }
                Ok(())
            }

            #[async_trait]
            impl SettingsStore for super::$Store {
                async fn all_menus(&self, clinic: ClinicId) -> Result<Vec<MenuSetting>, StoreError> {
                    let mut c = self.conn().await?;
                    let menus = super::q::menus_including_hidden(&mut c, clinic, true).await?;
                    let inactive: Vec<i64> = sqlx::query_scalar("SELECT id FROM menus WHERE clinic_id = $1 AND NOT active")
                        .bind(clinic.0)
                        .fetch_all(&mut *c)
                        .await
                        .map_err(DbError::from)?;
                    Ok(menus
                        .into_iter()
                        .map(|menu| MenuSetting { active: !inactive.contains(&menu.id.0), menu })
                        .collect())
                }

                async fn save_menu(&self, by: Editor, setting: MenuSetting) -> Result<MenuId, StoreError> {
                    let mut menu = Menu { clinic_id: by.clinic, ..setting.menu.clone() };
                    menu.resource_ids.sort();
                    menu.resource_ids.dedup();
                    let mut tx = self.write().await?;
                    let created = menu.id.0 == 0;
                    let id = if created {
                        super::q::create_menu(&mut tx, &menu).await?
                    } else {
                        let updated = sqlx::query(
                            "UPDATE menus SET name_ja = $1, name_en = $2, duration_minutes = $3, mode = $4, capacity = $5, \
                             buffer_before_minutes = $6, buffer_after_minutes = $7, min_notice_minutes = $8, horizon_days = $9, \
                             cancel_cutoff_minutes = $10, requires_approval = $11, hold_minutes = $12 \
                             WHERE id = $13 AND clinic_id = $14",
                        )
                        .bind(&menu.name_ja)
                        .bind(&menu.name_en)
                        .bind(i64::from(menu.duration_minutes))
                        .bind(menu.mode.kind().as_str())
                        .bind(i64::from(menu.mode.capacity()))
                        .bind(i64::from(menu.buffer_before_minutes))
                        .bind(i64::from(menu.buffer_after_minutes))
                        .bind(i64::from(menu.min_notice_minutes))
                        .bind(i64::from(menu.horizon_days))
                        .bind(i64::from(menu.cancel_cutoff_minutes))
                        .bind(menu.approval == Approval::RequiresStaff)
                        .bind(i64::from(menu.hold_minutes))
                        .bind(menu.id.0)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::NotFound);
                        }
                        sqlx::query("DELETE FROM menu_resources WHERE menu_id = $1").bind(menu.id.0).execute(&mut *tx).await.map_err(DbError::from)?;
                        if super::q::link_menu_resources(&mut tx, menu.id, &menu).await?.is_some() {
                            return Err(StoreError::NotFound);
                        }
                        menu.id
                    };
                    sqlx::query("UPDATE menus SET active = $1 WHERE id = $2 AND clinic_id = $3")
                        .bind(setting.active)
                        .bind(id.0)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    let verb = if created { "作成 created" } else { "変更 changed" };
                    audit(&mut tx, by, "menu", format!("#{id} {verb}: {}", menu_summary(&MenuSetting { menu, active: setting.active }))).await?;
                    commit(tx).await?;
                    Ok(id)
                }

                async fn save_resource(&self, by: Editor, r: Resource) -> Result<ResourceId, StoreError> {
                    if r.name_ja.trim().is_empty() || r.name_en.trim().is_empty() {
                        return Err(invalid("a practitioner or room needs a name in Japanese and English"));
                    }
                    let mut tx = self.write().await?;
                    let (id, verb) = if r.id.0 == 0 {
                        let new = NewResource { clinic_id: by.clinic, name_ja: r.name_ja.clone(), name_en: r.name_en.clone(), kind: r.kind };
                        (super::q::create_resource(&mut tx, &new).await?, "作成 created")
                    } else {
                        let updated = sqlx::query("UPDATE resources SET name_ja = $1, name_en = $2, kind = $3 WHERE id = $4 AND clinic_id = $5")
                            .bind(&r.name_ja)
                            .bind(&r.name_en)
                            .bind(r.kind.as_str())
                            .bind(r.id.0)
                            .bind(by.clinic.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(DbError::from)?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::NotFound);
                        }
                        (r.id, "変更 changed")
                    };
                    audit(&mut tx, by, "resource", format!("#{id} {verb}: {} / {} ({})", r.name_ja, r.name_en, r.kind.as_str())).await?;
                    commit(tx).await?;
                    Ok(id)
                }

                async fn weekly_hours(&self, clinic: ClinicId) -> Result<Vec<WeeklyInterval>, StoreError> {
                    let rows: Vec<(i64, i64, i64, i64)> =
                        sqlx::query_as(SELECT_HOURS).bind(clinic.0).fetch_all(&mut *self.conn().await?).await.map_err(DbError::from)?;
                    rows.into_iter()
                        .map(|(resource, weekday, opens, closes)| {
                            let weekday = u8::try_from(weekday).ok().and_then(|w| Weekday::try_from(w).ok());
                            match (weekday, interval_of(Some(opens), Some(closes))) {
                                (Some(weekday), Some(interval)) => Ok(WeeklyInterval { resource_id: ResourceId(resource), weekday, interval }),
                                _ => Err(StoreError::Internal(format!("unexpected stored hours of resource {resource}").into())),
                            }
                        })
                        .collect()
                }

                async fn set_weekday_hours(&self, by: Editor, resource: ResourceId, weekday: Weekday, intervals: Vec<Interval>) -> Result<(), StoreError> {
                    let intervals = check_intervals(&intervals).map_err(|_| invalid("hours that break the rules of a day"))?;
                    let mut tx = self.write().await?;
                    let name = own_resource(&mut tx, by, resource).await?;
                    let day = i64::from(weekday.num_days_from_monday());
                    sqlx::query("DELETE FROM opening_hours WHERE resource_id = $1 AND weekday = $2")
                        .bind(resource.0)
                        .bind(day)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    for i in &intervals {
                        sqlx::query("INSERT INTO opening_hours (resource_id, weekday, opens_minute, closes_minute) VALUES ($1, $2, $3, $4)")
                            .bind(resource.0)
                            .bind(day)
                            .bind(i64::from(i.opens))
                            .bind(i64::from(i.closes))
                            .execute(&mut *tx)
                            .await
                            .map_err(DbError::from)?;
                    }
                    let hours = if intervals.is_empty() { "休み closed".to_string() } else { format_intervals(&intervals) };
                    let weekday_name = WEEKDAYS[weekday.num_days_from_monday() as usize];
                    audit(&mut tx, by, "hours", format!("{name} #{resource} {weekday_name}: {hours}")).await?;
                    commit(tx).await
                }

                async fn exceptions_from(&self, clinic: ClinicId, from: NaiveDate) -> Result<Vec<StoredException>, StoreError> {
                    let rows: Vec<(i64, Option<i64>, NaiveDate, String, Option<i64>, Option<i64>)> = sqlx::query_as(
                        "SELECT id, resource_id, date, kind, opens_minute, closes_minute FROM date_exceptions \
                         WHERE clinic_id = $1 AND date >= $2 ORDER BY date, id",
                    )
                    .bind(clinic.0)
                    .bind(from)
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(DbError::from)?;
                    Ok(rows
                        .into_iter()
                        .map(|(id, resource, date, kind, opens, closes)| StoredException {
                            id,
                            date,
                            resource_id: resource.map(ResourceId),
                            extra: if kind == "closed" { None } else { interval_of(opens, closes) },
                        })
                        .collect())
                }

                async fn add_date_exception(&self, by: Editor, date: NaiveDate, resource: Option<ResourceId>, extra: Option<Interval>) -> Result<i64, StoreError> {
                    if let Some(i) = extra {
                        check_intervals(&[i]).map_err(|_| invalid("hours that break the rules of a day"))?;
                    }
                    let mut tx = self.write().await?;
                    let whom = match resource {
                        Some(r) => format!("{} #{r}", own_resource(&mut tx, by, r).await?),
                        None => "医院全体 whole clinic".to_string(),
                    };
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO date_exceptions (clinic_id, resource_id, date, kind, opens_minute, closes_minute) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(by.clinic.0)
                    .bind(resource.map(|r| r.0))
                    .bind(date)
                    .bind(if extra.is_some() { "extra_hours" } else { "closed" })
                    .bind(extra.map(|i| i64::from(i.opens)))
                    .bind(extra.map(|i| i64::from(i.closes)))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(DbError::from)?;
                    let what = match extra {
                        Some(i) => format!("臨時診療 extra hours {}", format_intervals(&[i])),
                        None => "休診 closed".to_string(),
                    };
                    audit(&mut tx, by, "closure", format!("{date} {whom}: {what} 追加 added")).await?;
                    commit(tx).await?;
                    Ok(id)
                }

                async fn remove_date_exception(&self, by: Editor, id: i64) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let row: Option<(NaiveDate, String)> = sqlx::query_as("SELECT date, kind FROM date_exceptions WHERE id = $1 AND clinic_id = $2")
                        .bind(id)
                        .bind(by.clinic.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    let (date, kind) = row.ok_or(StoreError::NotFound)?;
                    sqlx::query("DELETE FROM date_exceptions WHERE id = $1 AND clinic_id = $2")
                        .bind(id)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    audit(&mut tx, by, "closure", format!("{date} {kind} #{id} 削除 removed")).await?;
                    commit(tx).await
                }

                async fn clinic_options(&self, clinic: ClinicId) -> Result<ClinicOptions, StoreError> {
                    let row: Option<(bool, i64)> = sqlx::query_as("SELECT open_on_holidays, reminder_hour FROM clinics WHERE id = $1")
                        .bind(clinic.0)
                        .fetch_optional(&mut *self.conn().await?)
                        .await
                        .map_err(DbError::from)?;
                    let (open_on_holidays, hour) = row.ok_or(StoreError::NotFound)?;
                    Ok(ClinicOptions { open_on_holidays, reminder_hour: u32::try_from(hour).unwrap_or(18) })
                }

                async fn set_clinic_options(&self, by: Editor, o: ClinicOptions) -> Result<(), StoreError> {
                    if o.reminder_hour > 23 {
                        return Err(invalid("the reminder hour must be between 0 and 23"));
                    }
                    let mut tx = self.write().await?;
                    let updated = sqlx::query("UPDATE clinics SET open_on_holidays = $1, reminder_hour = $2 WHERE id = $3")
                        .bind(o.open_on_holidays)
                        .bind(i64::from(o.reminder_hour))
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::NotFound);
                    }
                    let holidays = if o.open_on_holidays { "祝日も診療 open on holidays" } else { "祝日休診 closed on holidays" };
                    audit(&mut tx, by, "clinic", format!("{holidays}, リマインダー reminders {:02}:00", o.reminder_hour)).await?;
                    commit(tx).await
                }

                async fn save_question(&self, by: Editor, q: Question) -> Result<QuestionId, StoreError> {
                    check_question(&q)?;
                    let mut tx = self.write().await?;
                    let (id, menu, verb) = if q.id.0 == 0 {
                        let menu: Option<i64> = sqlx::query_scalar("SELECT id FROM menus WHERE id = $1 AND clinic_id = $2")
                            .bind(q.menu_id.0)
                            .bind(by.clinic.0)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(DbError::from)?;
                        let menu = menu.ok_or(StoreError::NotFound)?;
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO menu_questions (menu_id, position, label_ja, label_en, kind, choices_ja, choices_en, required) \
                             VALUES ($1, (SELECT COALESCE(MAX(position) + 1, 0) FROM menu_questions WHERE menu_id = $1), $2, $3, $4, $5, $6, $7) RETURNING id",
                        )
                        .bind(menu)
                        .bind(&q.label_ja)
                        .bind(&q.label_en)
                        .bind(q.kind.as_str())
                        .bind(q.choices_ja.join("\n"))
                        .bind(q.choices_en.join("\n"))
                        .bind(q.required)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                        (QuestionId(id), menu, "追加 added")
                    } else {
                        let (menu, _) = own_question(&mut tx, by, q.id).await?;
                        sqlx::query(
                            "UPDATE menu_questions SET label_ja = $1, label_en = $2, kind = $3, choices_ja = $4, choices_en = $5, required = $6 WHERE id = $7",
                        )
                        .bind(&q.label_ja)
                        .bind(&q.label_en)
                        .bind(q.kind.as_str())
                        .bind(q.choices_ja.join("\n"))
                        .bind(q.choices_en.join("\n"))
                        .bind(q.required)
                        .bind(q.id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                        (q.id, menu, "変更 changed")
                    };
                    let required = if q.required { "必須 required" } else { "任意 optional" };
                    audit(&mut tx, by, "question", format!("menu #{menu} question #{id} {verb}: {} ({}, {required})", q.label_ja, q.kind.as_str())).await?;
                    commit(tx).await?;
                    Ok(id)
                }

                async fn remove_question(&self, by: Editor, id: QuestionId) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let (menu, label) = own_question(&mut tx, by, id).await?;
                    let answered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointment_answers WHERE question_id = $1")
                        .bind(id.0)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    if answered > 0 {
                        return Err(StoreError::QuestionAnswered);
                    }
                    sqlx::query("DELETE FROM menu_questions WHERE id = $1").bind(id.0).execute(&mut *tx).await.map_err(DbError::from)?;
                    audit(&mut tx, by, "question", format!("menu #{menu} question #{id} 削除 removed: {label}")).await?;
                    commit(tx).await
                }

                async fn move_question(&self, by: Editor, id: QuestionId, up: bool) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let (menu, label) = own_question(&mut tx, by, id).await?;
                    let mut order: Vec<i64> = sqlx::query_scalar("SELECT id FROM menu_questions WHERE menu_id = $1 ORDER BY position, id")
                        .bind(menu)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    let Some(at) = order.iter().position(|q| *q == id.0) else { return Err(StoreError::NotFound) };
                    let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|o| *o < order.len()) };
                    let Some(other) = other else { return Ok(()) };
                    order.swap(at, other);
                    for (position, question) in order.iter().enumerate() {
                        sqlx::query("UPDATE menu_questions SET position = $1 WHERE id = $2")
                            .bind(position as i64)
                            .bind(*question)
                            .execute(&mut *tx)
                            .await
                            .map_err(DbError::from)?;
                    }
                    let direction = if up { "上へ up" } else { "下へ down" };
                    audit(&mut tx, by, "question", format!("menu #{menu} question #{id} {direction}: {label}")).await?;
                    commit(tx).await
                }

                async fn save_privacy_notice(&self, by: Editor, ja: &str, en: &str) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let updated = sqlx::query("UPDATE clinics SET privacy_notice_ja = $1, privacy_notice_en = $2 WHERE id = $3")
                        .bind(ja)
                        .bind(en)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::NotFound);
                    }
                    let summary = format!("プライバシー通知 privacy notice: {} / {} 文字 characters", ja.chars().count(), en.chars().count());
                    audit(&mut tx, by, "privacy", summary).await?;
                    commit(tx).await
                }

                async fn line_status(&self, clinic: ClinicId) -> Result<LineStatus, StoreError> {
                    type Row = (Option<String>, Option<String>, Option<String>, bool, bool);
                    let row: Option<Row> = sqlx::query_as(
                        "SELECT liff_id, line_login_channel_id, line_add_friend_url, line_channel_secret IS NOT NULL, \
                         line_channel_access_token IS NOT NULL FROM clinics WHERE id = $1",
                    )
                    .bind(clinic.0)
                    .fetch_optional(&mut *self.conn().await?)
                    .await
                    .map_err(DbError::from)?;
                    let (liff_id, login_channel_id, add_friend_url, secret_set, token_set) = row.ok_or(StoreError::NotFound)?;
                    Ok(LineStatus { liff_id, login_channel_id, add_friend_url, secret_set, token_set })
                }

                async fn update_line(&self, by: Editor, update: Option<LineUpdate>) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let updated = match &update {
                        Some(u) => sqlx::query(
                            "UPDATE clinics SET liff_id = $1, line_login_channel_id = $2, line_add_friend_url = $3, \
                             line_channel_secret = COALESCE($4, line_channel_secret), \
                             line_channel_access_token = COALESCE($5, line_channel_access_token) WHERE id = $6",
                        )
                        .bind(&u.liff_id)
                        .bind(&u.login_channel_id)
                        .bind(&u.add_friend_url)
                        .bind(&u.channel_secret)
                        .bind(&u.channel_access_token)
                        .bind(by.clinic.0),
                        None => sqlx::query(
                            "UPDATE clinics SET liff_id = NULL, line_login_channel_id = NULL, line_add_friend_url = NULL, \
                             line_channel_secret = NULL, line_channel_access_token = NULL WHERE id = $1",
                        )
                        .bind(by.clinic.0),
                    }
                    .execute(&mut *tx)
                    .await
                    .map_err(DbError::from)?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::NotFound);
                    }
                    // Only whether a secret changed, never the secret.
                    let summary = match &update {
                        Some(u) => {
                            let changed = |s: &Option<String>| if s.is_some() { "新しい値 new value" } else { "変更なし unchanged" };
                            format!(
                                "LIFF ID {}, Login channel {}, 友だち追加 add-friend {}, channel secret: {}, access token: {}",
                                u.liff_id,
                                u.login_channel_id,
                                u.add_friend_url.as_deref().unwrap_or("-"),
                                changed(&u.channel_secret),
                                changed(&u.channel_access_token),
                            )
                        }
                        None => "LINE接続を解除 LINE connection removed (sandbox)".to_string(),
                    };
                    audit(&mut tx, by, "line", summary).await?;
                    commit(tx).await
                }

                async fn staff_members(&self, clinic: ClinicId) -> Result<Vec<StaffMember>, StoreError> {
                    let rows: Vec<(i64, String, String, String, bool)> = sqlx::query_as(
                        "SELECT id, email, display_name, role, disabled_at IS NOT NULL FROM staff WHERE clinic_id = $1 \
                         ORDER BY disabled_at IS NOT NULL, role <> 'owner', id",
                    )
                    .bind(clinic.0)
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(DbError::from)?;
                    rows.into_iter()
                        .map(|(id, email, display_name, role, disabled)| Ok(StaffMember { id: StaffId(id), email, display_name, role: role_of(&role)?, disabled }))
                        .collect()
                }

                async fn add_staff_member(&self, by: Editor, staff: NewStaffMember) -> Result<StaffId, StoreError> {
                    let email = staff.email.trim().to_lowercase();
                    let name = staff.display_name.trim();
                    if !email.contains('@') || name.is_empty() || staff.password_hash.is_empty() {
                        return Err(invalid("a staff account needs an e-mail address, a name and a password"));
                    }
                    let mut tx = self.write().await?;
                    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE email = $1")
                        .bind(&email)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    if taken > 0 {
                        return Err(StoreError::EmailTaken);
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO staff (clinic_id, email, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(by.clinic.0)
                    .bind(&email)
                    .bind(name)
                    .bind(staff.role.as_str())
                    .bind(&staff.password_hash)
                    .bind(by.now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(DbError::from)?;
                    audit(&mut tx, by, "staff", format!("#{id} {email} ({name}) 追加 added: {}", staff.role.as_str())).await?;
                    commit(tx).await?;
                    Ok(StaffId(id))
                }

                async fn set_staff_role(&self, by: Editor, id: StaffId, role: StaffRole) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let (email, current, disabled) = own_staff(&mut tx, by, id).await?;
                    if current == role {
                        return Ok(());
                    }
                    if id == by.staff {
                        return Err(StoreError::OwnAccount);
                    }
                    if current == StaffRole::Owner && !disabled {
                        keep_an_owner(&mut tx, by, id).await?;
                    }
                    sqlx::query("UPDATE staff SET role = $1 WHERE id = $2 AND clinic_id = $3")
                        .bind(role.as_str())
                        .bind(id.0)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    audit(&mut tx, by, "staff", format!("#{id} {email}: 役割 role {} → {}", current.as_str(), role.as_str())).await?;
                    commit(tx).await
                }

                async fn set_staff_disabled(&self, by: Editor, id: StaffId, disable: bool) -> Result<(), StoreError> {
                    let mut tx = self.write().await?;
                    let (email, role, disabled) = own_staff(&mut tx, by, id).await?;
                    if disabled == disable {
                        return Ok(());
                    }
                    if disable {
                        if id == by.staff {
                            return Err(StoreError::OwnAccount);
                        }
                        if role == StaffRole::Owner {
                            keep_an_owner(&mut tx, by, id).await?;
                        }
                        end_sessions(&mut tx, id).await?;
                    }
                    sqlx::query("UPDATE staff SET disabled_at = $1 WHERE id = $2 AND clinic_id = $3")
                        .bind(disable.then_some(by.now))
                        .bind(id.0)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    let what = if disable { "無効化 disabled" } else { "有効化 enabled" };
                    audit(&mut tx, by, "staff", format!("#{id} {email}: {what}")).await?;
                    commit(tx).await
                }

                async fn set_staff_password(&self, by: Editor, id: StaffId, password_hash: &str) -> Result<(), StoreError> {
                    if password_hash.is_empty() {
                        return Err(invalid("the password is missing"));
                    }
                    let mut tx = self.write().await?;
                    let (email, _, _) = own_staff(&mut tx, by, id).await?;
                    sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2 AND clinic_id = $3")
                        .bind(password_hash)
                        .bind(id.0)
                        .bind(by.clinic.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                    if id != by.staff {
                        end_sessions(&mut tx, id).await?;
                    }
                    // That it changed, never the password nor its hash.
                    audit(&mut tx, by, "staff", format!("#{id} {email}: パスワード変更 password changed")).await?;
                    commit(tx).await
                }

                async fn settings_audit(&self, clinic: ClinicId, limit: u32) -> Result<Vec<SettingsAuditEntry>, StoreError> {
                    type Row = (chrono::DateTime<chrono::Utc>, Option<i64>, Option<String>, String, String);
                    let rows: Vec<Row> = sqlx::query_as(
                        "SELECT a.at, a.staff_id, s.display_name, a.area, a.summary FROM settings_audit a \
                         LEFT JOIN staff s ON s.id = a.staff_id WHERE a.clinic_id = $1 ORDER BY a.id DESC LIMIT $2",
                    )
                    .bind(clinic.0)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(DbError::from)?;
                    Ok(rows
                        .into_iter()
                        .map(|(at, staff, staff_name, area, summary)| SettingsAuditEntry { at, staff_id: staff.map(StaffId), staff_name, area, summary })
                        .collect())
                }
            }
        }
    };
}

pub(crate) use settings_queries;
