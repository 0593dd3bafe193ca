//! The clinic chat's bottom menu (LINE's rich menu): which buttons it has, where each sits and
//! where it leads. One layout serves both the picture drawn in the owner's browser and the tap
//! areas sent to LINE, so what a patient sees and what their tap opens always agree.
//!
//! The top row: 予約する (the LIFF page), 予約の確認 (My appointments), 診療時間 (the hours, in the
//! LIFF page) and, when the clinic gives a map link, アクセス. Optionally a second row with one
//! button per menu, each a deep link that opens the LIFF page at that menu.

use serde::{Deserialize, Serialize};

use crate::booking::ids::MenuId;

/// LINE's width for every rich menu; a row is a third of it high (2500×843 or 2500×1686).
pub const WIDTH: u32 = 2500;
pub const ROW_HEIGHT: u32 = 843;
/// A second row holds this many menus at most: a button under 625 px wide no longer takes a
/// label large enough for patients to read.
pub const MAX_MENU_BUTTONS: usize = 4;
/// LINE takes images of at most 1 MB.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;
/// What the chat bar under the conversation says (LINE: at most 14 characters).
pub const CHAT_BAR_TEXT: &str = "予約・メニュー";

/// Where a button leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Book,
    MyAppointments,
    Hours,
    /// The map link the owner gave.
    Access(String),
    Menu(MenuId),
}

impl Target {
    /// The address a tap opens; `liff_url` is `https://liff.line.me/{liffId}`. LINE hands the
    /// query to the LIFF page as `liff.state` and `liff.init` restores it, so the page reads
    /// `?tab=` and `?menu=` as if opened directly.
    pub fn uri(&self, liff_url: &str) -> String {
        match self {
            Target::Book => liff_url.to_string(),
            Target::MyAppointments => format!("{liff_url}?tab=mine"),
            Target::Hours => format!("{liff_url}?tab=hours"),
            Target::Access(url) => url.clone(),
            Target::Menu(id) => format!("{liff_url}?menu={}", id.0),
        }
    }
}

/// One tappable area with its label (Japanese, large; English, small beneath).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub target: Target,
    pub label_ja: String,
    pub label_en: String,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The whole menu: its height (843 or 1686) and its buttons, covering it without gaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub height: u32,
    pub buttons: Vec<Button>,
}

impl Layout {
    /// One picture fits both: the same blocks with the same labels (where the buttons lead,
    /// such as the map link, is not drawn).
    pub fn looks_like(&self, other: &Layout) -> bool {
        let drawn = |l: &Layout| l.buttons.iter().map(|b| (b.x, b.y, b.width, b.height, b.label_ja.clone(), b.label_en.clone())).collect::<Vec<_>>();
        self.height == other.height && drawn(self) == drawn(other)
    }

    /// The menus that have a button, in order.
    pub fn menus(&self) -> Vec<MenuId> {
        self.buttons.iter().filter_map(|b| if let Target::Menu(id) = b.target { Some(id) } else { None }).collect()
    }
}

/// A menu that may get a button: its id and names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuButton {
    pub id: MenuId,
    pub name_ja: String,
    pub name_en: String,
}

/// The layout of the clinic's menu: the top row, and a row of `menus` (the first
/// [`MAX_MENU_BUTTONS`]) when there are any.
pub fn layout(access_url: Option<&str>, menus: &[MenuButton]) -> Layout {
    let label = |target: Target, ja: &str, en: &str| (target, ja.to_string(), en.to_string());
    let mut top = vec![
        label(Target::Book, "予約する", "Book"),
        label(Target::MyAppointments, "予約の確認", "My appointments"),
        label(Target::Hours, "診療時間", "Hours"),
    ];
    if let Some(url) = access_url {
        top.push(label(Target::Access(url.to_string()), "アクセス", "Access"));
    }
    let mut buttons = row(top, 0);
    let menus: Vec<_> = menus.iter().take(MAX_MENU_BUTTONS).map(|m| (Target::Menu(m.id), m.name_ja.clone(), m.name_en.clone())).collect();
    let height = if menus.is_empty() { ROW_HEIGHT } else { 2 * ROW_HEIGHT };
    buttons.extend(row(menus, ROW_HEIGHT));
    Layout { height, buttons }
}

/// The row's buttons side by side, equally wide; the last takes what division leaves over.
fn row(labels: Vec<(Target, String, String)>, y: u32) -> Vec<Button> {
    let n = labels.len() as u32;
    labels
        .into_iter()
        .enumerate()
        .map(|(i, (target, label_ja, label_en))| {
            let i = i as u32;
            let width = if i + 1 == n { WIDTH - (n - 1) * (WIDTH / n) } else { WIDTH / n };
            Button { target, label_ja, label_en, x: i * (WIDTH / n), y, width, height: ROW_HEIGHT }
        })
        .collect()
}

/// LINE's create body for the layout (`POST /v2/bot/richmenu`): shown by default, each button a
/// link, labelled for screen readers with its Japanese name (LINE: at most 20 characters).
#[cfg(feature = "ssr")]
pub fn request_body(layout: &Layout, liff_url: &str) -> serde_json::Value {
    let areas: Vec<_> = layout
        .buttons
        .iter()
        .map(|b| {
            serde_json::json!({
                "bounds": { "x": b.x, "y": b.y, "width": b.width, "height": b.height },
                "action": { "type": "uri", "label": b.label_ja.chars().take(20).collect::<String>(), "uri": b.target.uri(liff_url) },
            })
        })
        .collect();
    serde_json::json!({
        "size": { "width": WIDTH, "height": layout.height },
        "selected": true,
        "name": "Yoyaku",
        "chatBarText": CHAT_BAR_TEXT,
        "areas": areas,
    })
}

/// The image formats LINE takes for a rich menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageType {
    Png,
    Jpeg,
}

impl ImageType {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
        }
    }
}

/// Why an image cannot be the menu's picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageProblem {
    /// Neither PNG nor JPEG (or not an image at all).
    NotPngOrJpeg,
    TooLarge {
        bytes: usize,
    },
    /// LINE takes only the menu's exact size.
    WrongSize {
        width: u32,
        height: u32,
    },
}

/// Checks an image for the layout: PNG or JPEG by its own signature (never by what the browser
/// claimed), at most 1 MB, exactly the layout's size.
#[cfg(feature = "ssr")]
pub fn check_image(bytes: &[u8], layout: &Layout) -> Result<ImageType, ImageProblem> {
    let kind = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => ImageType::Png,
        Ok(imagesize::ImageType::Jpeg) => ImageType::Jpeg,
        _ => return Err(ImageProblem::NotPngOrJpeg),
    };
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageProblem::TooLarge { bytes: bytes.len() });
    }
    let size = imagesize::blob_size(bytes).map_err(|_| ImageProblem::NotPngOrJpeg)?;
    let (width, height) = (size.width as u32, size.height as u32);
    if (width, height) != (WIDTH, layout.height) {
        return Err(ImageProblem::WrongSize { width, height });
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menus(n: i64) -> Vec<MenuButton> {
        (1..=n).map(|i| MenuButton { id: MenuId(i), name_ja: format!("メニュー{i}"), name_en: format!("Menu {i}") }).collect()
    }

    /// Every pixel of the menu belongs to exactly one button.
    fn covers_exactly(layout: &Layout) -> bool {
        let mut area = 0u64;
        for (i, a) in layout.buttons.iter().enumerate() {
            area += a.width as u64 * a.height as u64;
            if a.x + a.width > WIDTH || a.y + a.height > layout.height {
                return false;
            }
            for b in &layout.buttons[i + 1..] {
                let apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
                if !apart {
                    return false;
                }
            }
        }
        area == WIDTH as u64 * layout.height as u64
    }

    #[test]
    fn the_top_row_has_booking_my_appointments_hours_and_access_when_given() {
        let plain = layout(None, &[]);
        assert_eq!(plain.height, 843);
        assert_eq!(plain.buttons.iter().map(|b| b.target.clone()).collect::<Vec<_>>(), vec![Target::Book, Target::MyAppointments, Target::Hours]);
        assert!(covers_exactly(&plain));
        assert_eq!(plain.buttons.iter().map(|b| b.width).collect::<Vec<_>>(), vec![833, 833, 834], "the last takes the remainder");

        let with_map = layout(Some("https://maps.app.goo.gl/x"), &[]);
        assert_eq!(with_map.buttons.len(), 4);
        assert_eq!(with_map.buttons[3].target, Target::Access("https://maps.app.goo.gl/x".into()));
        assert!(covers_exactly(&with_map));
    }

    #[test]
    fn menus_get_a_second_row_of_at_most_four() {
        for n in 1..=6 {
            let l = layout(Some("https://example.jp/map"), &menus(n));
            assert_eq!(l.height, 1686);
            let row: Vec<_> = l.buttons.iter().filter(|b| b.y == ROW_HEIGHT).collect();
            assert_eq!(row.len(), (n as usize).min(MAX_MENU_BUTTONS));
            assert_eq!(row[0].target, Target::Menu(MenuId(1)));
            assert!(covers_exactly(&l), "{n} menus");
            assert!(l.buttons.len() <= 20, "LINE takes at most 20 areas");
        }
        assert!(CHAT_BAR_TEXT.chars().count() <= 14);
    }

    #[test]
    fn a_picture_fits_the_same_blocks_and_labels_wherever_they_lead() {
        let here = layout(Some("https://maps.example.jp/a"), &menus(2));
        assert!(here.looks_like(&layout(Some("https://maps.example.jp/b"), &menus(2))), "another map link");
        assert!(!here.looks_like(&layout(None, &menus(2))), "no アクセス block");
        assert!(!here.looks_like(&layout(Some("https://maps.example.jp/a"), &menus(3))), "another menu");
        let mut renamed = menus(2);
        renamed[1].name_ja = "再診".into();
        assert!(!here.looks_like(&layout(Some("https://maps.example.jp/a"), &renamed)), "a menu renamed");
        assert_eq!(here.menus(), vec![MenuId(1), MenuId(2)]);
    }

    #[test]
    fn each_button_opens_its_place_in_the_liff_page() {
        let liff = "https://liff.line.me/1657000000-AbCdEfGh";
        assert_eq!(Target::Book.uri(liff), liff);
        assert_eq!(Target::MyAppointments.uri(liff), format!("{liff}?tab=mine"));
        assert_eq!(Target::Hours.uri(liff), format!("{liff}?tab=hours"));
        assert_eq!(Target::Menu(MenuId(7)).uri(liff), format!("{liff}?menu=7"));
        assert_eq!(Target::Access("https://example.jp/map".into()).uri(liff), "https://example.jp/map");
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        // SOI, an APP0 segment, a DHT (C4, not a frame), then SOF2 (progressive).
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC4, 0x00, 0x03, 0x00, 0xFF, 0xC2, 0x00, 0x11, 0x08];
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&[3; 10]);
        b
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_image_must_be_png_or_jpeg_of_the_menus_exact_size_and_at_most_a_megabyte() {
        let one_row = layout(None, &[]);
        let two_rows = layout(None, &menus(2));
        assert_eq!(check_image(&png(2500, 843), &one_row), Ok(ImageType::Png));
        assert_eq!(check_image(&jpeg(2500, 1686), &two_rows), Ok(ImageType::Jpeg));
        assert_eq!(check_image(&png(2500, 1686), &one_row), Err(ImageProblem::WrongSize { width: 2500, height: 1686 }));
        assert_eq!(check_image(&jpeg(1200, 405), &one_row), Err(ImageProblem::WrongSize { width: 1200, height: 405 }));
        assert_eq!(check_image(b"GIF89a....", &one_row), Err(ImageProblem::NotPngOrJpeg));
        assert_eq!(check_image(&png(2500, 843)[..14], &one_row), Err(ImageProblem::NotPngOrJpeg), "cut short");
        let mut big = png(2500, 843);
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(check_image(&big, &one_row), Err(ImageProblem::TooLarge { bytes: MAX_IMAGE_BYTES + 1 }));
    }
}
