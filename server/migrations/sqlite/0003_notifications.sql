-- The transactional outbox of patient notifications: a row is written in the same transaction
-- as the appointment change it announces, and a worker delivers it to LINE exactly once (the
-- retry key is stored before the first attempt and sent with every attempt).
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    clinic_id        INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    appointment_id   INTEGER REFERENCES appointments (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    -- The messages array, fixed when queued: every retry sends the identical body.
    payload          TEXT    NOT NULL,
    retry_key        TEXT    NOT NULL CONSTRAINT notifications_retry_key_key UNIQUE,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    -- A worker's claim; when it passes (the worker died), another worker may send again.
    locked_until     TEXT,
    first_attempt_at TEXT,
    line_request_id  TEXT,
    last_error       TEXT,
    created_at       TEXT    NOT NULL,
    sent_at          TEXT
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_by_appointment ON notifications (appointment_id);
