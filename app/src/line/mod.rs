//! LINE: the LIFF SDK in the browser (`liff`) and, on the server, the interface through which the
//! app asks LINE: who a patient is (the browser never tells the server; it hands over LINE's ID
//! token and the server asks LINE), whether they are a friend, the clinic's message quota and
//! its chat's bottom menu ([`rich_menu`]).

#[cfg(feature = "hydrate")]
pub mod liff;
pub mod rich_menu;

#[cfg(feature = "ssr")]
pub use identity::*;

#[cfg(feature = "ssr")]
mod identity {
    use async_trait::async_trait;

    /// Who LINE says the patient is.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct VerifiedLineUser {
        /// The LINE user id (`sub`), per provider.
        pub user_id: String,
        pub display_name: Option<String>,
    }

    #[derive(Debug, thiserror::Error, PartialEq, Eq)]
    pub enum IdentityError {
        /// Expired: the page should log in again to get a fresh token.
        #[error("the LINE sign-in has expired")]
        Expired,
        /// Forged, issued for another channel, or malformed.
        #[error("the LINE sign-in is not valid: {0}")]
        Invalid(String),
        /// LINE could not be asked (network, 5xx): try again later.
        #[error("LINE is not reachable: {0}")]
        Unavailable(String),
    }

    /// The Official Account's messages this month, as LINE counts them (one per recipient of
    /// each push).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct MessageQuota {
        /// The plan's monthly limit; `None`: unlimited.
        pub limit: Option<u64>,
        pub used: u64,
    }

    /// What the app asks LINE: it verifies a LIFF ID token for a clinic's LINE Login channel,
    /// asks about the patient's friendship with the clinic's Official Account, reads the
    /// account's message quota and sets its rich menu. (Pushes go from the worker,
    /// `server::notify`.) A refusal is `Invalid`, an unreachable or failing LINE `Unavailable`.
    #[async_trait]
    pub trait LinePlatform: Send + Sync + 'static {
        async fn verify_id_token(&self, id_token: &str, login_channel_id: &str) -> Result<VerifiedLineUser, IdentityError>;
        /// Whether `user_id` is a friend of the Official Account linked to the Login channel, as
        /// LINE answers for the patient's LIFF access token. The token is checked first to be
        /// the channel's and the user's: the browser's word is never taken for it.
        async fn is_friend(&self, access_token: &str, login_channel_id: &str, user_id: &str) -> Result<bool, IdentityError>;
        /// This month's limit and usage of the Official Account of `channel_access_token`
        /// (`Invalid`: LINE refused the token).
        async fn message_quota(&self, channel_access_token: &str) -> Result<MessageQuota, IdentityError>;
        /// Exchanges the patient's LIFF access token for a service notification token of the
        /// MINI App channel (`channel_id`, `channel_secret`). LINE issues one per LIFF access
        /// token: a second exchange of the same one is `Invalid`.
        async fn issue_service_token(
            &self,
            channel_id: &str,
            channel_secret: &str,
            liff_access_token: &str,
        ) -> Result<crate::store::ServiceToken, IdentityError>;
        /// Creates a rich menu of the Official Account (`menu`: LINE's request body) and
        /// answers its id.
        async fn create_rich_menu(&self, channel_access_token: &str, menu: &serde_json::Value) -> Result<String, IdentityError>;
        /// Uploads the menu's picture (PNG or JPEG, `content_type`).
        async fn upload_rich_menu_image(&self, channel_access_token: &str, rich_menu_id: &str, content_type: &str, image: Vec<u8>)
            -> Result<(), IdentityError>;
        /// Makes the menu every friend's default.
        async fn set_default_rich_menu(&self, channel_access_token: &str, rich_menu_id: &str) -> Result<(), IdentityError>;
        /// Clears the default menu, whichever it is.
        async fn clear_default_rich_menu(&self, channel_access_token: &str) -> Result<(), IdentityError>;
        /// Deletes the menu (a default one stops showing); one LINE no longer has is no error.
        async fn delete_rich_menu(&self, channel_access_token: &str, rich_menu_id: &str) -> Result<(), IdentityError>;
    }
}
