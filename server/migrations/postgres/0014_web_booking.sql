-- Booking from the clinic's website without LINE: patients known by an e-mail address, a
-- request that holds its place while the patient confirms the code sent by e-mail
-- (`verifying`), and e-mail as a channel of the outbox.
ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
ALTER TABLE appointments ADD CONSTRAINT appointments_status_check CHECK (status IN ('verifying', 'requested', 'confirmed', 'declined',
    'expired', 'cancelled_by_patient', 'cancelled_by_clinic', 'no_show', 'completed'));
ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check CHECK (channel IN ('line', 'sandbox', 'email'));

-- A patient who booked on the website: their address (one patient per address and clinic)
-- and the key of the links in their e-mails.
ALTER TABLE patients ADD COLUMN email TEXT;
ALTER TABLE patients ADD COLUMN web_key TEXT;
CREATE UNIQUE INDEX patients_email_key ON patients (clinic_id, email);

-- A website request while its code is confirmed: the flow token of the page that made it and
-- the code, both as digests; what the patient typed, kept until the code proves the address.
CREATE TABLE web_requests (
    appointment_id BIGINT      PRIMARY KEY REFERENCES appointments (id) ON DELETE CASCADE,
    clinic_id      BIGINT      NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    email          TEXT        NOT NULL,
    flow_digest    TEXT        NOT NULL CONSTRAINT web_requests_flow_key UNIQUE,
    code_digest    TEXT        NOT NULL,
    code_attempts  BIGINT      NOT NULL DEFAULT 0,
    codes_sent     BIGINT      NOT NULL DEFAULT 1,
    code_sent_at   TIMESTAMPTZ NOT NULL,
    details        TEXT        NOT NULL,
    verified_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_requests_by_email ON web_requests (clinic_id, email, created_at);
