//! This month's LINE messages against the Official Account's plan: what LINE has counted, what
//! waits in the outbox, and the day-before reminders still to go out this month, so reception
//! sees before the quota runs out that messages would stop reaching patients.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

/// The month's messages as far as they are known now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaForecast {
    /// The plan's monthly limit; `None`: unlimited.
    pub limit: Option<u64>,
    /// Counted by LINE this month.
    pub used: u64,
    /// LINE notices in the outbox, not sent yet.
    pub queued: u64,
    /// Day-before reminders of the visits booked so far that go out later this month.
    pub reminders: u64,
}

/// How the month looks against the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuotaLevel {
    Unlimited,
    Fine,
    /// The known messages reach 80 % of the quota.
    Near,
    /// The known messages do not fit: some would not be sent.
    RunsOut,
}

impl QuotaForecast {
    /// Used, plus what is already known to go out this month.
    pub fn projected(&self) -> u64 {
        self.used + self.queued + self.reminders
    }

    /// How many of the known messages would find the quota used up.
    pub fn short_by(&self) -> u64 {
        self.limit.map_or(0, |limit| self.projected().saturating_sub(limit))
    }

    pub fn level(&self) -> QuotaLevel {
        match self.limit {
            None => QuotaLevel::Unlimited,
            Some(_) if self.short_by() > 0 => QuotaLevel::RunsOut,
            // Four fifths: time to look at the plan before the month's new bookings use the rest.
            Some(limit) if self.projected() * 5 >= limit * 4 => QuotaLevel::Near,
            Some(_) => QuotaLevel::Fine,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuotaView {
    /// No LINE channel (sandbox mode): nothing is counted.
    NotConnected,
    /// LINE refused the clinic's channel access token.
    TokenRefused,
    Counted(QuotaForecast),
}

/// The clinic's LINE message quota this month (any staff member: reception sees the warning).
#[server(endpoint = "staff/line_quota")]
pub async fn line_quota(lang: Lang) -> Result<QuotaView, AppError> {
    respond(lang, async move {
        let ctx = super::auth::staff(None).await?;
        ssr::forecast(&ctx.clinic, chrono::Utc::now()).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::time::Duration;

    use chrono::{DateTime, Datelike, Utc};

    use super::{QuotaForecast, QuotaView};
    use crate::booking::model::Clinic;
    use crate::booking::status::AppointmentStatus;
    use crate::error::Problem;
    use crate::line::IdentityError;
    use crate::notify::NoticeType;
    use crate::store::Identity;

    /// LINE is asked on a page load: a slow LINE must not hold the console.
    const LINE_WITHIN: Duration = Duration::from_secs(5);

    pub async fn forecast(clinic: &Clinic, now: DateTime<Utc>) -> Result<QuotaView, Problem> {
        let state = crate::state::app_state()?;
        let mut db = state.store.read().await?;
        let Some(token) = db.line_settings(clinic.id).await?.and_then(|l| l.channel_access_token) else {
            return Ok(QuotaView::NotConnected);
        };
        let queued = db.pending_line_notices(clinic.id).await?;
        let reminders = reminders_this_month(db.as_mut(), clinic, now).await?;
        drop(db);
        let quota = match tokio::time::timeout(LINE_WITHIN, state.line.message_quota(&token)).await {
            Ok(Ok(quota)) => quota,
            Ok(Err(refused @ (IdentityError::Invalid(_) | IdentityError::Expired))) => {
                tracing::warn!(clinic = %clinic.id, error = %refused, "LINE refused the clinic's channel access token");
                return Ok(QuotaView::TokenRefused);
            }
            Ok(Err(IdentityError::Unavailable(why))) => return Err(Problem::LineUnavailable(why)),
            Err(_) => return Err(Problem::LineUnavailable("the quota was not answered in time".into())),
        };
        Ok(QuotaView::Counted(QuotaForecast { limit: quota.limit, used: quota.used, queued, reminders }))
    }

    /// The reminders still to be queued this month (clinic-local): a confirmed visit of day D is
    /// reminded on D − 1, so visits from tomorrow to the first of next month, not reminded yet,
    /// of patients LINE reaches (a patient known not to be a friend gets nothing counted).
    async fn reminders_this_month(db: &mut dyn crate::store::Reads, clinic: &Clinic, now: DateTime<Utc>) -> Result<u64, Problem> {
        let today = now.with_timezone(&clinic.time_zone).date_naive();
        let (Some(tomorrow), Some(next_month)) = (today.succ_opt(), first_of_next_month(today)) else { return Ok(0) };
        let visits: Vec<_> =
            db.appointments_on(clinic.id, tomorrow, next_month).await?.into_iter().filter(|a| a.status == AppointmentStatus::Confirmed).collect();
        if visits.is_empty() {
            return Ok(0);
        }
        let ids: Vec<_> = visits.iter().map(|a| a.id).collect();
        let reminded: Vec<_> =
            db.notifications(clinic.id, &ids).await?.into_iter().filter(|n| n.notice == NoticeType::Reminder).filter_map(|n| n.appointment_id).collect();
        let patients = db.patients(clinic.id, &visits.iter().map(|a| a.patient_id).collect::<Vec<_>>()).await?;
        let reached = |a: &crate::store::Appointment| {
            patients.iter().find(|p| p.id == a.patient_id).is_some_and(|p| matches!(p.identity, Identity::Line { friend, .. } if friend != Some(false)))
        };
        Ok(visits.iter().filter(|a| !reminded.contains(&a.id) && reached(a)).count() as u64)
    }

    fn first_of_next_month(day: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        let (year, month) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
        chrono::NaiveDate::from_ymd_opt(year, month, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forecast(limit: Option<u64>, used: u64, queued: u64, reminders: u64) -> QuotaForecast {
        QuotaForecast { limit, used, queued, reminders }
    }

    #[test]
    fn the_month_is_judged_by_what_is_known_to_go_out() {
        assert_eq!(forecast(None, 5_000, 10, 10).level(), QuotaLevel::Unlimited);
        assert_eq!(forecast(None, 5_000, 10, 10).short_by(), 0);
        assert_eq!(forecast(Some(200), 100, 10, 40).level(), QuotaLevel::Fine, "150 of 200");
        assert_eq!(forecast(Some(200), 100, 20, 40).level(), QuotaLevel::Near, "160 of 200 is four fifths");
        assert_eq!(forecast(Some(200), 150, 20, 30).level(), QuotaLevel::Near, "exactly the quota still fits");
        let over = forecast(Some(200), 150, 20, 45);
        assert_eq!((over.level(), over.projected(), over.short_by()), (QuotaLevel::RunsOut, 215, 15));
        assert_eq!(forecast(Some(200), 210, 0, 0).short_by(), 10, "LINE may count past a limit changed mid-month");
    }
}
