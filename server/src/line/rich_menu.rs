//! The rich menu endpoints of the Messaging API: create a menu, upload its picture (to the data
//! host, `api-data.line.me`), make it every friend's default, delete it.

use app::line::IdentityError;
use serde::Deserialize;

use super::api::LineApi;

/// `POST /v2/bot/richmenu`: 200 body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    rich_menu_id: String,
}

/// LINE's error body: `{"message": "…", "details": [{"message", "property"}]}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<Detail>,
}

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(default)]
    message: String,
    #[serde(default)]
    property: String,
}

impl LineApi {
    pub(super) async fn create_menu(&self, token: &str, menu: &serde_json::Value) -> Result<String, IdentityError> {
        let request = self.http.post(format!("{}/v2/bot/richmenu", self.base)).bearer_auth(token).json(menu);
        let created: Created = self.answered(request, false).await?.json().await.map_err(|e| IdentityError::Invalid(format!("unreadable answer: {e}")))?;
        Ok(created.rich_menu_id)
    }

    pub(super) async fn upload_menu_image(&self, token: &str, id: &str, content_type: &str, image: Vec<u8>) -> Result<(), IdentityError> {
        let request = self
            .http
            .post(format!("{}/v2/bot/richmenu/{}/content", self.data_base, path_segment(id)?))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(image);
        self.answered(request, false).await.map(drop)
    }

    pub(super) async fn set_default_menu(&self, token: &str, id: &str) -> Result<(), IdentityError> {
        let request = self.http.post(format!("{}/v2/bot/user/all/richmenu/{}", self.base, path_segment(id)?)).bearer_auth(token);
        self.answered(request, false).await.map(drop)
    }

    pub(super) async fn clear_default_menu(&self, token: &str) -> Result<(), IdentityError> {
        let request = self.http.delete(format!("{}/v2/bot/user/all/richmenu", self.base)).bearer_auth(token);
        self.answered(request, false).await.map(drop)
    }

    pub(super) async fn delete_menu(&self, token: &str, id: &str) -> Result<(), IdentityError> {
        let request = self.http.delete(format!("{}/v2/bot/richmenu/{}", self.base, path_segment(id)?)).bearer_auth(token);
        self.answered(request, true).await.map(drop)
    }

    /// LINE's answer when it took the request (2xx, and 404 too when `gone_is_done`); 5xx, 429
    /// or no answer is `Unavailable`, any other refusal `Invalid` with LINE's reasons (logged by
    /// the caller, never shown: they may name the request's fields, not its token).
    async fn answered(&self, request: reqwest::RequestBuilder, gone_is_done: bool) -> Result<reqwest::Response, IdentityError> {
        let response = request.send().await.map_err(|e| IdentityError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_success() || (gone_is_done && status == reqwest::StatusCode::NOT_FOUND) {
            return Ok(response);
        }
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(IdentityError::Unavailable(format!("LINE answered {status}")));
        }
        let body = response.json::<ErrorBody>().await.unwrap_or_default();
        let details: Vec<_> = body.details.iter().map(|d| format!("{}: {}", d.property, d.message)).collect();
        Err(IdentityError::Invalid(format!("LINE answered {status}: {} {}", body.message, details.join("; ")).trim_end().to_string()))
    }
}

/// A rich menu id as LINE makes them (`richmenu-` and hex): anything else would change the path.
fn path_segment(id: &str) -> Result<&str, IdentityError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(id)
    } else {
        Err(IdentityError::Invalid(format!("not a rich menu id: {id:?}")))
    }
}
