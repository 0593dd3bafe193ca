-- The transactional outbox of patient notifications: a row is written in the same transaction
-- as the appointment change it announces, and a worker delivers it to LINE exactly once (the
-- retry key is stored before the first attempt and sent with every attempt).
CREATE TABLE notifications (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id        BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    appointment_id   BIGINT  REFERENCES appointments (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    -- The messages array, fixed when queued: every retry sends the identical body.
    payload          TEXT    NOT NULL,
    retry_key        TEXT    NOT NULL CONSTRAINT notifications_retry_key_key UNIQUE,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ    NOT NULL,
    -- A worker's claim; when it passes (the worker died), another worker may send again.
    locked_until     TIMESTAMPTZ,
    first_attempt_at TIMESTAMPTZ,
    line_request_id  TEXT,
    last_error       TEXT,
    created_at       TIMESTAMPTZ    NOT NULL,
    sent_at          TIMESTAMPTZ
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_by_appointment ON notifications (appointment_id);
