-- LINE webhook: friend status of each patient, attendance confirmed from a reminder, and the
-- event ids already processed (LINE redelivers).
ALTER TABLE patients ADD COLUMN line_friend BOOLEAN;
ALTER TABLE appointments ADD COLUMN attendance_confirmed_at TIMESTAMPTZ;
CREATE TABLE webhook_events (
    clinic_id   BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    event_id    TEXT    NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (clinic_id, event_id)
);
