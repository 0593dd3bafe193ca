//! The clinic chat's bottom menu (LINE's rich menu) in Settings: what is set now, and setting,
//! replacing or removing it (owner only). The picture comes as a data URL, drawn in the owner's
//! browser from the same layout the tap areas come from, or their own file.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::error::problem::respond;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::line::rich_menu::MenuButton;

/// Where the picture is sent: its body is larger than any form's, and the server lets this one
/// path take [`crate::line::rich_menu::MAX_IMAGE_BYTES`] in base64.
pub const SET_RICH_MENU_PATH: &str = "/api/staff/settings/rich-menu";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RichMenuView {
    /// The clinic has a channel access token: LINE can be asked.
    pub can_set: bool,
    pub current: Option<CurrentRichMenu>,
    /// The bookable menus, in order: the first of them get buttons when asked for.
    pub menus: Vec<MenuButton>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentRichMenu {
    /// When it was set, clinic-local: `2026-12-03 09:30`.
    pub set_at: String,
    pub access_url: Option<String>,
    pub menu_buttons: bool,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RichMenuForm {
    /// The map link of the アクセス button; empty: no such button.
    pub access_url: String,
    pub menu_buttons: bool,
    /// The menus the picture was made with (empty without menu buttons).
    #[serde(default)]
    pub menus: Vec<MenuButton>,
    /// `data:image/png;base64,…` (or `image/jpeg`).
    pub image: String,
}

/// Never prints the picture.
impl std::fmt::Debug for RichMenuForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RichMenuForm")
            .field("access_url", &self.access_url)
            .field("menu_buttons", &self.menu_buttons)
            .field("menus", &self.menus)
            .field("image", &format_args!("{} characters", self.image.len()))
            .finish()
    }
}

#[server(endpoint = "staff/settings/rich-menu/load")]
pub async fn load_rich_menu(lang: Lang) -> Result<RichMenuView, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(None).await?;
        ssr::view(&ctx).await
    })
    .await
}

#[server(endpoint = "staff/settings/rich-menu", input = Json)]
pub async fn set_rich_menu(#[server(default)] csrf: String, form: RichMenuForm, lang: Lang) -> Result<RichMenuView, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(Some(&csrf)).await?;
        let image = ssr::data_url("rich_menu-image", &form.image)?;
        let access_url = Some(form.access_url.trim().to_string()).filter(|u| !u.is_empty());
        let choice = crate::actions::rich_menu::RichMenuChoice { access_url, menu_buttons: form.menu_buttons, drawn: form.menus };
        let (state, by) = (crate::state::app_state()?, super::ssr::editor(&ctx));
        ssr::to_the_end(async move { crate::actions::rich_menu::set(state.store.as_ref(), state.line.as_ref(), by, choice, image).await.map(drop) }).await?;
        ssr::view(&ctx).await
    })
    .await
}

#[server(endpoint = "staff/settings/rich-menu/remove", input = Json)]
pub async fn remove_rich_menu(#[server(default)] csrf: String, lang: Lang) -> Result<RichMenuView, AppError> {
    respond(lang, async move {
        let ctx = crate::api::staff::auth::owner(Some(&csrf)).await?;
        let (state, by) = (crate::state::app_state()?, super::ssr::editor(&ctx));
        ssr::to_the_end(async move { crate::actions::rich_menu::remove(state.store.as_ref(), state.line.as_ref(), by).await }).await?;
        ssr::view(&ctx).await
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use base64::Engine;

    use super::{CurrentRichMenu, RichMenuView};
    use crate::api::staff::auth::StaffContext;
    use crate::error::{Problem, Reason};

    pub async fn view(ctx: &StaffContext) -> Result<RichMenuView, Problem> {
        let mut db = crate::state::store()?.read().await?;
        let can_set = db.line_settings(ctx.clinic.id).await?.is_some_and(|l| l.channel_access_token.is_some());
        let current = db.rich_menu(ctx.clinic.id).await?.map(|m| CurrentRichMenu {
            set_at: m.set_at.with_timezone(&ctx.clinic.time_zone).format("%Y-%m-%d %H:%M").to_string(),
            access_url: m.access_url,
            menu_buttons: m.menu_buttons,
        });
        let menus = crate::actions::rich_menu::menu_buttons(db.as_mut(), ctx.clinic.id).await?;
        Ok(RichMenuView { can_set, current, menus })
    }

    /// Runs `work` to its end even if the request is dropped (the browser gives up, the
    /// server's answer deadline passes): what LINE was told is then recorded, never half.
    pub async fn to_the_end(work: impl std::future::Future<Output = Result<(), Problem>> + Send + 'static) -> Result<(), Problem> {
        tokio::spawn(work).await.map_err(Problem::internal)?
    }

    /// The bytes of a `data:image/…;base64,` URL (what a canvas or a file reader gives).
    pub fn data_url(field: &str, url: &str) -> Result<Vec<u8>, Problem> {
        let not_image = || Problem::field(field, Reason::NotPngOrJpeg);
        let (head, data) = url.split_once(',').ok_or_else(not_image)?;
        if !(head.starts_with("data:image/") && head.ends_with(";base64")) {
            return Err(not_image());
        }
        base64::engine::general_purpose::STANDARD.decode(data.trim()).map_err(|_| not_image())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::server_fn::ServerFn;

    #[test]
    fn the_picture_goes_to_the_path_that_takes_it() {
        assert_eq!(super::SetRichMenu::PATH, super::SET_RICH_MENU_PATH);
    }

    #[test]
    fn a_data_url_gives_its_bytes_and_anything_else_is_not_a_picture() {
        assert_eq!(super::ssr::data_url("f", "data:image/png;base64,iVBORw==").unwrap(), vec![0x89, b'P', b'N', b'G']);
        for wrong in ["iVBORw==", "data:text/plain;base64,aGk=", "data:image/png,raw", "data:image/png;base64,***"] {
            assert!(super::ssr::data_url("f", wrong).is_err(), "{wrong}");
        }
    }
}
