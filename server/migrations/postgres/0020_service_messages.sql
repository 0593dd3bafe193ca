-- LINE MINI App service messages: the clinic's MINI App channel secret (sealed, for stateless
-- channel access tokens) and its approved template names per notice (JSON object, notice →
-- template name without the language suffix).
ALTER TABLE clinics ADD COLUMN line_mini_app_secret TEXT;
ALTER TABLE clinics ADD COLUMN line_service_templates TEXT;
-- A patient's service notification token (sealed): LINE renews it with every send and allows a
-- few sends; the newest one is kept here. `token_digest` (SHA-256, hex) lets a renewal replace
-- only the token it was sent with.
CREATE TABLE service_tokens (
    patient_id BIGINT PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
    clinic_id  BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    token      TEXT    NOT NULL,
    token_digest TEXT  NOT NULL,
    remaining  BIGINT  NOT NULL CHECK (remaining >= 0),
    expires_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- A LINE notice may go as a service message: its template and parameters, fixed when queued.
ALTER TABLE notifications ADD COLUMN service_payload TEXT;
-- The way a LINE notice goes, chosen before its first attempt and kept for every retry: a push
-- (its retry key guards it) or a service message with the token of `route_token` (a digest): a
-- send that may have reached LINE is only ever retried with that token.
ALTER TABLE notifications ADD COLUMN route TEXT CHECK (route IN ('service_message', 'push'));
ALTER TABLE notifications ADD COLUMN route_token TEXT;
-- How a sent notice went: the outbox picks per notice and patient.
ALTER TABLE notifications ADD COLUMN sent_via TEXT CHECK (sent_via IN ('service_message', 'push', 'email', 'sandbox'));
