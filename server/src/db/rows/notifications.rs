//! Stored notices and the outbox.

use app::booking::ids::*;
use app::notify::{Channel, DeliveryStatus, NoticeType, SentVia};
use app::store::*;
use chrono::{DateTime, Utc};

use super::to_u32;

pub const NOTIFICATION_COLUMNS: &str = "n.id, n.appointment_id, n.kind, n.channel, n.status, n.attempts, n.retry_key, n.first_attempt_at, \
    n.last_error, n.line_request_id, n.payload, n.recipient, n.created_at, n.sent_at, n.sent_via";

#[derive(sqlx::FromRow)]
pub struct NotificationRow {
    id: i64,
    appointment_id: Option<i64>,
    kind: String,
    channel: String,
    status: String,
    attempts: i64,
    retry_key: String,
    first_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    line_request_id: Option<String>,
    payload: String,
    recipient: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    sent_via: Option<String>,
}

fn channel(s: &str) -> Result<Channel, StoreError> {
    Channel::parse(s).ok_or_else(|| StoreError::corrupt(format!("channel {s}")))
}

impl TryFrom<NotificationRow> for NotificationRecord {
    type Error = StoreError;
    fn try_from(r: NotificationRow) -> Result<Self, StoreError> {
        Ok(NotificationRecord {
            id: NotificationId(r.id),
            appointment_id: r.appointment_id.map(AppointmentId),
            notice: NoticeType::parse(&r.kind).ok_or_else(|| StoreError::corrupt(format!("notice {}", r.kind)))?,
            channel: channel(&r.channel)?,
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("delivery status {}", r.status)))?,
            attempts: to_u32(r.attempts, "attempts")?,
            retry_key: r.retry_key,
            first_attempt_at: r.first_attempt_at,
            last_error: r.last_error,
            line_request_id: r.line_request_id,
            payload: r.payload,
            recipient: r.recipient,
            created_at: r.created_at,
            sent_at: r.sent_at,
            sent_via: r.sent_via.map(|v| SentVia::parse(&v).ok_or_else(|| StoreError::corrupt(format!("sent via {v}")))).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct OutboxRow {
    id: i64,
    clinic_id: i64,
    channel: String,
    recipient: String,
    payload: String,
    service_payload: Option<String>,
    retry_key: String,
    attempts: i64,
    first_attempt_at: Option<DateTime<Utc>>,
    route: Option<String>,
    route_token: Option<String>,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: NotificationId(r.id),
            clinic_id: ClinicId(r.clinic_id),
            channel: channel(&r.channel)?,
            recipient: r.recipient,
            payload: r.payload,
            service: r.service_payload,
            retry_key: r.retry_key,
            attempts: to_u32(r.attempts, "attempts")?,
            first_attempt_at: r.first_attempt_at,
            route: match (r.route.as_deref(), r.route_token) {
                (None, _) => None,
                (Some("push"), _) => Some(Route::Push),
                (Some("service_message"), Some(token_digest)) => Some(Route::ServiceMessage { token_digest }),
                (Some(other), _) => return Err(StoreError::corrupt(format!("route {other}"))),
            },
        })
    }
}
