//! Rich menus as LINE answers them: `POST /v2/bot/richmenu` checks the body as LINE documents it
//! (size 2500×1686 or 2500×843, `chatBarText` of 1–14 characters, 1–20 areas inside the menu,
//! each with an action) and answers `{"richMenuId"}`; `POST /v2/bot/richmenu/{id}/content` takes
//! one PNG or JPEG of at most 1 MB and exactly the menu's size (a second upload is refused, as
//! at LINE); `POST /v2/bot/user/all/richmenu/{id}` makes a menu with its image the default,
//! `DELETE /v2/bot/user/all/richmenu` clears it; `DELETE /v2/bot/richmenu/{id}` deletes a menu;
//! `GET /v2/bot/richmenu/list` and `GET /v2/bot/user/all/richmenu` read them back. Every one
//! needs `Authorization: Bearer …`; an unknown id is 404 `{"message":"Not found"}`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::{new_request_id, FakeLine};

/// LINE's largest rich menu image.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

/// A rich menu the fake holds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RichMenu {
    pub rich_menu_id: String,
    /// The body it was created with.
    pub body: Value,
    pub image: Option<RichMenuImage>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct RichMenuImage {
    pub content_type: String,
    pub bytes: usize,
    pub width: usize,
    pub height: usize,
    /// The picture itself (not listed in JSON).
    #[serde(skip)]
    pub data: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct RichMenuState {
    menus: BTreeMap<String, RichMenu>,
    default: Option<String>,
}

impl FakeLine {
    pub fn rich_menus(&self) -> Vec<RichMenu> {
        self.lock().rich_menus.menus.values().cloned().collect()
    }

    /// The default rich menu of the account, if any.
    pub fn default_rich_menu(&self) -> Option<RichMenu> {
        let state = self.lock();
        state.rich_menus.default.as_ref().and_then(|id| state.rich_menus.menus.get(id)).cloned()
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert("x-line-request-id", new_request_id());
    response
}

fn error(status: StatusCode, message: &str) -> Response {
    answer(status, json!({ "message": message }))
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not found")
}

/// Bearer missing: 401. A queued failure for `path`: its status.
async fn refused(fake: &FakeLine, headers: &HeaderMap, path: &str) -> Option<Response> {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).filter(|t| !t.is_empty());
    if bearer.is_none() {
        return Some(error(StatusCode::UNAUTHORIZED, "Authentication failed. Confirm that the access token in the authorization header is valid."));
    }
    let (status, message) = fake.take_failure(path).await?;
    Some(error(status, message.as_deref().unwrap_or("An error occurred in the server")))
}

/// What LINE would object to in a create body, as `{"message","property"}` details.
fn problems(body: &Value) -> Vec<Value> {
    let mut found = Vec::new();
    let mut wrong = |property: &str, message: &str| found.push(json!({ "message": message, "property": property }));
    let (width, height) = (body["size"]["width"].as_u64().unwrap_or(0), body["size"]["height"].as_u64().unwrap_or(0));
    if width != 2500 || !(height == 1686 || height == 843) {
        wrong("size", "must be 2500x1686 or 2500x843");
    }
    if body["selected"].as_bool().is_none() {
        wrong("selected", "must be specified");
    }
    let name = body["name"].as_str().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 300 {
        wrong("name", "size must be between 1 and 300");
    }
    let bar = body["chatBarText"].as_str().unwrap_or_default();
    if bar.is_empty() || bar.chars().count() > 14 {
        wrong("chatBarText", "size must be between 1 and 14");
    }
    let areas = body["areas"].as_array().cloned().unwrap_or_default();
    if areas.is_empty() || areas.len() > 20 {
        wrong("areas", "size must be between 1 and 20");
    }
    for (i, area) in areas.iter().enumerate() {
        let b = &area["bounds"];
        let (x, y, w, h) = (b["x"].as_u64(), b["y"].as_u64(), b["width"].as_u64(), b["height"].as_u64());
        match (x, y, w, h) {
            (Some(x), Some(y), Some(w), Some(h)) if w > 0 && h > 0 && x + w <= width && y + h <= height => {}
            _ => wrong(&format!("areas[{i}].bounds"), "must be inside the rich menu"),
        }
        let action = &area["action"];
        if action["label"].as_str().is_some_and(|l| l.chars().count() > 20) {
            wrong(&format!("areas[{i}].action.label"), "size must be between 0 and 20");
        }
        match action["type"].as_str() {
            Some("uri") => {
                let uri = action["uri"].as_str().unwrap_or_default();
                let scheme_ok = ["http://", "https://", "line://", "tel:"].iter().any(|s| uri.starts_with(s));
                if !scheme_ok || uri.len() > 1000 {
                    wrong(&format!("areas[{i}].action.uri"), "invalid uri");
                }
            }
            Some("message" | "postback" | "datetimepicker" | "richmenuswitch" | "camera" | "cameraRoll" | "location" | "clipboard") => {}
            _ => wrong(&format!("areas[{i}].action.type"), "invalid action type"),
        }
    }
    found
}

pub(crate) async fn create(State(fake): State<FakeLine>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/richmenu").await {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "The request body has 1 error(s)");
    };
    let details = problems(&body);
    if !details.is_empty() {
        return answer(StatusCode::BAD_REQUEST, json!({ "message": "The request body has error(s)", "details": details }));
    }
    let id = format!("richmenu-{}", uuid::Uuid::new_v4().simple());
    fake.lock().rich_menus.menus.insert(id.clone(), RichMenu { rich_menu_id: id.clone(), body, image: None });
    answer(StatusCode::OK, json!({ "richMenuId": id }))
}

pub(crate) async fn upload(State(fake): State<FakeLine>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/richmenu/content").await {
        return r;
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if content_type != "image/png" && content_type != "image/jpeg" {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be image/jpeg or image/png");
    }
    if body.len() > MAX_IMAGE_BYTES {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    }
    let size = imagesize::blob_size(&body);
    let mut state = fake.lock();
    let Some(menu) = state.rich_menus.menus.get_mut(&id) else {
        return not_found();
    };
    if menu.image.is_some() {
        return error(StatusCode::BAD_REQUEST, "An image has already been uploaded to the richmenu");
    }
    let want = (menu.body["size"]["width"].as_u64().unwrap_or(0) as usize, menu.body["size"]["height"].as_u64().unwrap_or(0) as usize);
    match size {
        Ok(s) if (s.width, s.height) == want => {
            menu.image = Some(RichMenuImage { content_type, bytes: body.len(), width: s.width, height: s.height, data: body.to_vec() });
            answer(StatusCode::OK, json!({}))
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "Image size must match the rich menu size"),
        Err(_) => error(StatusCode::BAD_REQUEST, "Invalid image"),
    }
}

pub(crate) async fn set_default(State(fake): State<FakeLine>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/user/all/richmenu").await {
        return r;
    }
    let mut state = fake.lock();
    match state.rich_menus.menus.get(&id) {
        None => not_found(),
        Some(menu) if menu.image.is_none() => error(StatusCode::BAD_REQUEST, "must upload richmenu image before applying it to user"),
        Some(_) => {
            state.rich_menus.default = Some(id);
            answer(StatusCode::OK, json!({}))
        }
    }
}

pub(crate) async fn clear_default(State(fake): State<FakeLine>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/user/all/richmenu").await {
        return r;
    }
    fake.lock().rich_menus.default = None;
    answer(StatusCode::OK, json!({}))
}

pub(crate) async fn get_default(State(fake): State<FakeLine>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/user/all/richmenu").await {
        return r;
    }
    match fake.lock().rich_menus.default.clone() {
        Some(id) => answer(StatusCode::OK, json!({ "richMenuId": id })),
        None => error(StatusCode::NOT_FOUND, "no default richmenu"),
    }
}

pub(crate) async fn delete(State(fake): State<FakeLine>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/richmenu/delete").await {
        return r;
    }
    let mut state = fake.lock();
    if state.rich_menus.menus.remove(&id).is_none() {
        return not_found();
    }
    if state.rich_menus.default.as_deref() == Some(id.as_str()) {
        state.rich_menus.default = None;
    }
    answer(StatusCode::OK, json!({}))
}

pub(crate) async fn list(State(fake): State<FakeLine>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&fake, &headers, "/v2/bot/richmenu/list").await {
        return r;
    }
    let menus: Vec<Value> = fake
        .rich_menus()
        .into_iter()
        .map(|m| {
            let mut body = m.body;
            body["richMenuId"] = m.rich_menu_id.into();
            body
        })
        .collect();
    answer(StatusCode::OK, json!({ "richmenus": menus }))
}

/// `GET /__fake/rich-menus`: every menu (with what its image is) and the default's id.
pub(crate) async fn listed(State(fake): State<FakeLine>) -> Json<Value> {
    let default = fake.lock().rich_menus.default.clone();
    Json(json!({ "default": default, "menus": fake.rich_menus() }))
}

/// `GET /__fake/rich-menus/{id}/image`: the uploaded picture, as uploaded.
pub(crate) async fn image(State(fake): State<FakeLine>, Path(id): Path<String>) -> Response {
    let image = fake.lock().rich_menus.menus.get(&id).and_then(|m| m.image.clone());
    match image {
        Some(i) => ([(header::CONTENT_TYPE, i.content_type)], i.data).into_response(),
        None => not_found(),
    }
}
