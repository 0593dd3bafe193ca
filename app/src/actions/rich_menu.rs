//! The clinic chat's bottom menu: the owner makes it the Official Account's default (with the
//! picture drawn in their browser, or their own), replaces it, or removes it.
//!
//! Unlike the other actions these talk to LINE, so they never hold a write transaction while
//! LINE answers (on SQLite that would stop every booking): they read, ask LINE, then record in a
//! short transaction what LINE now shows. The server function runs them to the end even when
//! the browser stops waiting, so what is recorded is what LINE shows. Sent again after a lost
//! answer, a set makes another menu the default and deletes the recorded one; the menu of the
//! lost answer is deleted too, being the one recorded.

use crate::booking::ids::ClinicId;
use crate::error::Problem;
use crate::line::rich_menu::{layout, request_body, Layout, MenuButton};
use crate::line::{IdentityError, LinePlatform};
use crate::store::{Editor, Reads, SettingsArea, Store, StoredRichMenu};

/// What the owner chooses about the menu's buttons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RichMenuChoice {
    /// The link of an アクセス button (a map); `None`: no such button.
    pub access_url: Option<String>,
    /// A second row with a button for each of the first bookable menus.
    pub menu_buttons: bool,
    /// The menus the picture shows buttons for, as the owner's page knew them: if the clinic's
    /// menus changed since, the picture's labels would not match the taps.
    pub drawn: Vec<MenuButton>,
}

/// The menus that get a button: the bookable ones, in the clinic's order.
pub async fn menu_buttons(db: &mut dyn Reads, clinic: ClinicId) -> Result<Vec<MenuButton>, Problem> {
    let menus = db.menus(clinic).await?;
    Ok(menus.into_iter().filter(|m| m.active).map(|m| MenuButton { id: m.id, name_ja: m.name_ja.clone(), name_en: m.name_en.clone() }).collect())
}

/// The layout the choice gives for the clinic as it is now.
pub async fn layout_for(db: &mut dyn Reads, clinic: ClinicId, choice: &RichMenuChoice) -> Result<Layout, Problem> {
    let menus = if choice.menu_buttons { menu_buttons(db, clinic).await? } else { Vec::new() };
    Ok(layout(choice.access_url.as_deref(), &menus))
}

/// LINE's answer, as the owner is told it.
fn refused(e: IdentityError) -> Problem {
    match e {
        IdentityError::Unavailable(why) => Problem::LineUnavailable(why),
        IdentityError::Invalid(why) => Problem::LineRefused(why),
        IdentityError::Expired => Problem::LineRefused("expired".into()),
    }
}

/// The clinic's channel access token and LIFF URL; `LineNotConnected` without a token.
async fn channel(db: &mut dyn Reads, clinic: ClinicId) -> Result<(String, String), Problem> {
    let line = db.line_settings(clinic).await?;
    let liff_url = line.as_ref().map(|l| l.liff_url());
    match (line.and_then(|l| l.channel_access_token), liff_url) {
        (Some(token), Some(liff_url)) => Ok((token, liff_url)),
        _ => Err(Problem::LineNotConnected),
    }
}

/// Makes a menu of `choice` with `image` (PNG or JPEG of the layout's size) the default of every
/// friend of the clinic's Official Account, replacing the one set before.
pub async fn set(store: &dyn Store, line: &dyn LinePlatform, by: Editor, choice: RichMenuChoice, image: Vec<u8>) -> Result<StoredRichMenu, Problem> {
    if let Some(url) = &choice.access_url {
        crate::settings::check_map_url("rich_menu-access_url", url)?;
    }
    let mut db = store.read().await?;
    let (token, liff_url) = channel(db.as_mut(), by.clinic).await?;
    let shown = layout_for(db.as_mut(), by.clinic, &choice).await?;
    drop(db);
    let drawn = layout(choice.access_url.as_deref(), &choice.drawn);
    if shown.menus() != drawn.menus() || !shown.looks_like(&drawn) {
        return Err(Problem::field("rich_menu-image", crate::error::Reason::MenusChanged));
    }
    let kind = crate::settings::check_rich_menu_image("rich_menu-image", &image, &shown)?;

    let id = line.create_rich_menu(&token, &request_body(&shown, &liff_url)).await.map_err(refused)?;
    let finished = async {
        line.upload_rich_menu_image(&token, &id, kind.content_type(), image).await?;
        line.set_default_rich_menu(&token, &id).await
    };
    if let Err(e) = finished.await {
        // Nothing half-made stays at LINE: a menu without its picture is deleted again.
        if let Err(cleanup) = line.delete_rich_menu(&token, &id).await {
            tracing::warn!(clinic = %by.clinic, rich_menu = %id, error = %cleanup, "a rich menu LINE did not finish stays at LINE");
        }
        return Err(refused(e));
    }

    let stored = StoredRichMenu { id, access_url: choice.access_url, menu_buttons: choice.menu_buttons, set_at: by.now };
    let mut tx = store.write().await?;
    let replaced = tx.rich_menu(by.clinic).await?;
    tx.set_rich_menu(by.clinic, Some(&stored)).await?;
    let buttons: Vec<_> = shown.buttons.iter().map(|b| b.label_ja.as_str()).collect();
    let summary = format!("リッチメニューを設定 rich menu set ({}): {}", stored.id, buttons.join(" / "));
    tx.audit_settings(by.clinic, by.actor, SettingsArea::Line, &summary, by.now).await?;
    tx.commit().await?;
    if let Some(old) = replaced.filter(|old| old.id != stored.id) {
        if let Err(e) = line.delete_rich_menu(&token, &old.id).await {
            tracing::warn!(clinic = %by.clinic, rich_menu = %old.id, error = %e, "the replaced rich menu stays at LINE (no longer the default)");
        }
    }
    Ok(stored)
}

/// Removes the clinic's menu from LINE: the chat shows no bottom menu any more. The default is
/// cleared whatever it is, so that a menu LINE shows but this app did not record goes too.
pub async fn remove(store: &dyn Store, line: &dyn LinePlatform, by: Editor) -> Result<(), Problem> {
    let mut db = store.read().await?;
    let Some(current) = db.rich_menu(by.clinic).await? else { return Ok(()) };
    let (token, _) = channel(db.as_mut(), by.clinic).await?;
    drop(db);
    // Deleted first: if LINE fails here nothing changed. Sent again, a delete of a menu already
    // gone is no error.
    line.delete_rich_menu(&token, &current.id).await.map_err(refused)?;
    line.clear_default_rich_menu(&token).await.map_err(refused)?;
    let mut tx = store.write().await?;
    // Only the menu deleted: one set meanwhile stays.
    if tx.rich_menu(by.clinic).await?.is_some_and(|now| now.id == current.id) {
        tx.set_rich_menu(by.clinic, None).await?;
        let summary = format!("リッチメニューを削除 rich menu removed ({})", current.id);
        tx.audit_settings(by.clinic, by.actor, SettingsArea::Line, &summary, by.now).await?;
    }
    tx.commit().await?;
    Ok(())
}
