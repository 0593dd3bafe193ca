//! The clinic chat's bottom menu (LINE's rich menu) set from Settings, on both backends over HTTP
//! against the local fake of LINE: created with one tap area per button (each a LIFF deep link
//! or the map), its picture uploaded, made the default; replaced (the old one deleted) and
//! removed; a wrong picture or link refused before LINE is asked; LINE failing or refusing part
//! way leaves nothing half-made at LINE and the stored menu as it was.

mod support;

use app::api::staff::settings::RichMenuView;
use app::error::{ErrorCode, Reason};
use app::line::rich_menu::MenuButton;
use app::store::*;
use axum::http::StatusCode;
use base64::Engine;
use support::web::*;
use support::*;

const LIFF: &str = "https://liff.line.me/1657000000-AbCdEfGh";
const MAP: &str = "https://maps.example.jp/clinic";

/// The head of a PNG of that size: all LINE (and the fake) read of it to check the size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE]);
    b
}

fn data_url(bytes: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Sets the menu as the owner's page does: with the menus the picture shows (`None`: no menu
/// buttons).
async fn set(site: &Site, cookie: &str, csrf: &str, access_url: &str, menus: Option<&[MenuButton]>, image: String) -> Reply {
    let form = serde_json::json!({ "access_url": access_url, "menu_buttons": menus.is_some(), "menus": menus.unwrap_or_default(), "image": image });
    let body = serde_json::json!({ "csrf": csrf, "form": form, "lang": "en" });
    post(&site.router, "/api/staff/settings/rich-menu", "application/json", body.to_string(), Some(cookie)).await
}

async fn load(site: &Site, cookie: &str) -> RichMenuView {
    let reply = post(&site.router, "/api/staff/settings/rich-menu/load", "application/x-www-form-urlencoded", "lang=ja".into(), Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("the view")
}

async fn remove(site: &Site, cookie: &str, csrf: &str) -> Reply {
    let body = serde_json::json!({ "csrf": csrf, "lang": "en" });
    post(&site.router, "/api/staff/settings/rich-menu/remove", "application/json", body.to_string(), Some(cookie)).await
}

fn uris(menu: &fake_line::RichMenu) -> Vec<String> {
    menu.body["areas"].as_array().expect("areas").iter().map(|a| a["action"]["uri"].as_str().expect("a uri").to_string()).collect()
}

async fn stored(site: &Site) -> Option<StoredRichMenu> {
    read(site.store.as_ref()).await.rich_menu(site.clinic).await.expect("read")
}

async fn the_owner_sets_replaces_and_removes_the_chats_menu(db: &TestDb) {
    let s = db.store.as_ref();
    let (url, fake) = fake_line().await;
    let line = std::sync::Arc::new(server::line::api::LineApi::new(&url).expect("client"));
    let c = clinic(s, "richmenu").await;
    let site = Site { router: support::router(db.store.clone(), line), store: db.store.clone(), clinic: c.clinic };
    let (owner, csrf, _) = staff_cookie(&site, StaffRole::Owner).await;
    let (desk, desk_csrf, _) = staff_cookie(&site, StaffRole::Staff).await;
    let two_rows = || data_url(&png(2500, 1686));

    // Without a channel access token there is no LINE to ask.
    assert!(!load(&site, &owner).await.can_set);
    let reply = set(&site, &owner, &csrf, "", Some(&[]), two_rows()).await;
    app_error(reply.status, &reply.body, ErrorCode::LineNotConnected);
    connect_line(s, c.clinic, test_line_settings()).await;
    let view = load(&site, &owner).await;
    assert!(view.can_set && view.current.is_none());
    assert_eq!(view.menus.iter().map(|m| m.id).collect::<Vec<_>>(), vec![c.slot, c.band, c.queue, c.auto], "the bookable menus, in order");
    let menus = view.menus.clone();

    // Only the owner, and only with the session's CSRF token.
    let reply = set(&site, &desk, &desk_csrf, "", None, data_url(&png(2500, 843))).await;
    app_error(reply.status, &reply.body, ErrorCode::OwnerOnly);
    let reply = set(&site, &owner, "wrong", "", None, data_url(&png(2500, 843))).await;
    app_error(reply.status, &reply.body, ErrorCode::CsrfRejected);

    // A picture or link LINE would not take is refused here, field by field; LINE is not asked.
    let reply = set(&site, &owner, &csrf, "", Some(&menus), data_url(&png(2500, 843))).await;
    let error = app_error(reply.status, &reply.body, ErrorCode::Invalid);
    assert_eq!(error.fields[0].field, "rich_menu-image");
    assert_eq!(error.fields[0].reason, Reason::ImageSize { width: 2500, height: 843, want_width: 2500, want_height: 1686 }, "menu buttons need two rows");
    assert!(error.fields[0].message.contains("2500×1686"), "{}", error.fields[0].message);
    let reply = set(&site, &owner, &csrf, "", None, data_url(b"GIF89a not a png")).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::Invalid).fields[0].reason, Reason::NotPngOrJpeg);
    let reply = set(&site, &owner, &csrf, "", None, "not a data url".into()).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::Invalid).fields[0].reason, Reason::NotPngOrJpeg);
    let mut big = png(2500, 843);
    big.resize(app::line::rich_menu::MAX_IMAGE_BYTES + 1, 0);
    let reply = set(&site, &owner, &csrf, "", None, data_url(&big)).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::Invalid).fields[0].reason, Reason::ImageTooLarge { max_kb: 1024 });
    let reply = set(&site, &owner, &csrf, "http://maps.example.jp", None, data_url(&png(2500, 843))).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::Invalid).fields[0].field, "rich_menu-access_url");
    // A picture made before a menu was renamed would label its button wrongly.
    let mut stale = menus.clone();
    stale[1].name_ja = "古い名前".into();
    let reply = set(&site, &owner, &csrf, MAP, Some(&stale), two_rows()).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::Invalid).fields[0].reason, Reason::MenusChanged);
    let reply = set(&site, &owner, &csrf, MAP, Some(&menus[..3]), two_rows()).await;
    assert_eq!(app_error(reply.status, &reply.body, ErrorCode::Invalid).fields[0].reason, Reason::MenusChanged, "a menu added since");
    assert!(fake.rich_menus().is_empty(), "nothing reached LINE");

    // Set: four buttons on top, one per menu beneath, the picture uploaded, the default.
    let reply = set(&site, &owner, &csrf, MAP, Some(&menus), two_rows()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view: RichMenuView = serde_json::from_str(&reply.body).expect("the view");
    let current = view.current.expect("set");
    assert_eq!((current.access_url.as_deref(), current.menu_buttons), (Some(MAP), true));
    let first = fake.default_rich_menu().expect("a default menu");
    assert_eq!(Some(first.rich_menu_id.clone()), stored(&site).await.map(|m| m.id));
    let menu = |id: app::booking::ids::MenuId| format!("{LIFF}?menu={}", id.0);
    assert_eq!(
        uris(&first),
        vec![
            LIFF.to_string(),
            format!("{LIFF}?tab=mine"),
            format!("{LIFF}?tab=hours"),
            MAP.to_string(),
            menu(c.slot),
            menu(c.band),
            menu(c.queue),
            menu(c.auto)
        ]
    );
    assert_eq!(first.body["size"], serde_json::json!({ "width": 2500, "height": 1686 }));
    assert_eq!(first.body["chatBarText"], "予約・メニュー");
    let image = first.image.clone().expect("the picture");
    assert_eq!((image.content_type.as_str(), image.width, image.height), ("image/png", 2500, 1686));
    let audit = read(s).await.settings_audit(c.clinic, 5).await.expect("audit");
    assert!(audit[0].summary.contains("rich menu set") && audit[0].summary.contains("診療時間"), "{}", audit[0].summary);

    // Replaced by a one-row menu: the new one is the default, the old one gone from LINE.
    let reply = set(&site, &owner, &csrf, "", None, data_url(&png(2500, 843))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let second = fake.default_rich_menu().expect("the new default");
    assert_ne!(second.rich_menu_id, first.rich_menu_id);
    assert_eq!(uris(&second), vec![LIFF.to_string(), format!("{LIFF}?tab=mine"), format!("{LIFF}?tab=hours")]);
    assert_eq!(fake.rich_menus().len(), 1, "the replaced menu is deleted");

    // LINE failing part way: the half-made menu is deleted, the one before stays the default
    // and stays stored; LINE down is 503, LINE refusing is the clinic's to fix (409).
    for (path, status, code) in [
        ("/v2/bot/richmenu/content", 500, ErrorCode::LineUnavailable),
        ("/v2/bot/user/all/richmenu", 400, ErrorCode::LineRefused),
        ("/v2/bot/richmenu", 401, ErrorCode::LineRefused),
    ] {
        fake.fail_next(path, status, 1);
        let reply = set(&site, &owner, &csrf, MAP, Some(&menus), two_rows()).await;
        assert_eq!(app_error(reply.status, &reply.body, code).status, if status == 500 { 503 } else { 409 }, "{path}");
        assert_eq!(fake.rich_menus().len(), 1, "{path}: nothing half-made stays");
        assert_eq!(fake.default_rich_menu().map(|m| m.rich_menu_id), Some(second.rich_menu_id.clone()), "{path}");
        assert_eq!(stored(&site).await.map(|m| m.id), Some(second.rich_menu_id.clone()), "{path}");
    }

    // Removed: nothing of ours at LINE, no default whatever LINE showed; removing again is no
    // error.
    fake.fail_next("/v2/bot/richmenu/delete", 503, 1);
    let reply = remove(&site, &owner, &csrf).await;
    app_error(reply.status, &reply.body, ErrorCode::LineUnavailable);
    assert!(stored(&site).await.is_some(), "still set, since LINE still shows it");
    let reply = remove(&site, &owner, &csrf).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(serde_json::from_str::<RichMenuView>(&reply.body).expect("the view").current.is_none());
    assert!(fake.rich_menus().is_empty() && fake.default_rich_menu().is_none());
    assert_eq!(remove(&site, &owner, &csrf).await.status, StatusCode::OK);
}

on_both!(the_owner_sets_replaces_and_removes_the_chats_menu);
