//! The clinics' retention rule for questionnaire answers, as the worker applies it: each clinic
//! that keeps answers for N days after the visit loses the answers of older visits; each pass
//! that deletes some is recorded for the owner (and logged). The visits themselves stay.

use chrono::{DateTime, Utc};

use crate::booking::ids::ClinicId;
use crate::error::Problem;
use crate::settings;
use crate::store::{AnswerDeletion, Write};

/// One pass over every clinic; returns what was deleted, per clinic.
pub async fn delete_old_answers(tx: &mut dyn Write, now: DateTime<Utc>) -> Result<Vec<(ClinicId, AnswerDeletion)>, Problem> {
    let mut deleted = Vec::new();
    for clinic in tx.clinics().await? {
        let Some(days) = tx.answers_kept_days(clinic.id).await? else { continue };
        let before = settings::answers_deleted_before(now, clinic.time_zone, days);
        let (visits, answers) = tx.delete_answers_before(clinic.id, before).await?;
        if answers == 0 {
            continue;
        }
        let deletion = AnswerDeletion { at: now, visits_before: before, visits, answers };
        tx.record_answer_deletion(clinic.id, &deletion).await?;
        tracing::info!(clinic = %clinic.slug, %before, visits, answers, "questionnaire answers deleted by the clinic's retention rule");
        deleted.push((clinic.id, deletion));
    }
    Ok(deleted)
}
