//! The LIFF SDK, called through wasm-bindgen. The SDK itself is loaded at run time from the
//! URL the server names (our bundle of `@line/liff`, LINE's CDN, or the bundle with LINE's mock
//! plugin), so pages that do not need LINE never download it.

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = liff, js_name = init)]
    fn liff_init(config: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = isLoggedIn)]
    fn liff_is_logged_in() -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = isInClient)]
    fn liff_is_in_client() -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = login)]
    fn liff_login(config: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = logout)]
    fn liff_logout() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = getIDToken)]
    fn liff_get_id_token() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = getDecodedIDToken)]
    fn liff_get_decoded_id_token() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = getLanguage)]
    fn liff_get_language() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = liff, js_name = getAccessToken)]
    fn liff_get_access_token() -> Result<JsValue, JsValue>;
}

/// A LIFF failure, with LINE's `LiffError.code` when there is one.
fn describe(e: JsValue) -> String {
    let field = |name: &str| Reflect::get(&e, &JsValue::from_str(name)).ok().and_then(|v| v.as_string());
    match (field("code"), field("message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (None, Some(message)) => message,
        _ => e.as_string().unwrap_or_else(|| "LIFF error".to_string()),
    }
}

/// Adds `<script src=url>` to the page and waits until it has run.
pub async fn load_sdk(url: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let script: web_sys::HtmlScriptElement = document.create_element("script").map_err(describe)?.dyn_into().map_err(|_| "not a script element")?;
    script.set_src(url);
    let loaded = Promise::new(&mut |resolve, reject| {
        script.set_onload(Some(&resolve));
        script.set_onerror(Some(&reject));
    });
    document.head().ok_or("no head")?.append_child(&script).map_err(describe)?;
    JsFuture::from(loaded).await.map(|_| ()).map_err(|_| format!("cannot load the LINE SDK from {url}"))
}

/// `liff.init({ liffId, mock })`. Nothing may touch the URL before this resolves: LIFF restores
/// the path and query of the LIFF URL (`liff.state`) inside it.
pub async fn init(liff_id: &str, mock: bool) -> Result<(), String> {
    let config = js_sys::Object::new();
    Reflect::set(&config, &"liffId".into(), &liff_id.into()).map_err(describe)?;
    if mock {
        Reflect::set(&config, &"mock".into(), &JsValue::TRUE).map_err(describe)?;
    }
    JsFuture::from(liff_init(&config).map_err(describe)?).await.map(|_| ()).map_err(describe)
}

pub fn is_logged_in() -> bool {
    liff_is_logged_in().unwrap_or(false)
}

pub fn is_in_client() -> bool {
    liff_is_in_client().unwrap_or(false)
}

/// In an external browser this leaves the page for LINE's login and comes back.
pub fn login() -> Result<(), String> {
    liff_login(&JsValue::UNDEFINED).map(|_| ()).map_err(describe)
}

pub fn logout() {
    let _ = liff_logout();
}

pub fn id_token() -> Option<String> {
    liff_get_id_token().ok().and_then(|v| v.as_string())
}

/// The `exp` of the cached ID token (seconds), when LIFF knows it. LIFF keeps the token in
/// localStorage, so it can be stale.
pub fn id_token_expiry() -> Option<f64> {
    let decoded = liff_get_decoded_id_token().ok()?;
    Reflect::get(&decoded, &"exp".into()).ok()?.as_f64()
}

pub fn language() -> Option<String> {
    liff_get_language().ok().and_then(|v| v.as_string())
}

/// The LIFF access token: the server asks LINE with it whether the patient is a friend of the
/// clinic's Official Account (the page's own `getFriendship` would be only the browser's word).
pub fn access_token() -> Option<String> {
    liff_get_access_token().ok().and_then(|v| v.as_string())
}
