//! The day queues of a clinic as anyone may see them: numbers only (the waiting room's display,
//! and the first board a patient's page shows before its live updates).

use leptos::prelude::*;

use crate::booking::board::ClinicBoard;
#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;

#[server(endpoint = "queue_board")]
pub async fn queue_board(slug: String, lang: Lang) -> Result<ClinicBoard, AppError> {
    respond(lang, async move {
        let mut db = crate::state::store()?.read().await?;
        let clinic = crate::api::liff::ssr::clinic(db.as_mut(), &slug).await?;
        crate::actions::queue::board(db.as_mut(), &clinic, chrono::Utc::now()).await
    })
    .await
}
