-- Booking from the clinic's website without LINE: patients known by an e-mail address, a
-- request that holds its place while the patient confirms the code sent by e-mail
-- (`verifying`), and e-mail as a channel of the outbox.
--
-- SQLite cannot ALTER a CHECK constraint, and rebuilding `appointments` inside the migration's
-- transaction (where foreign keys cannot be switched off) would cascade into every table that
-- references it. Allowing one more value changes nothing on disk, so the two CHECKs are edited
-- in the schema itself, as SQLite's documentation describes for such changes ("ALTER TABLE",
-- making other kinds of table schema changes); the DDL below bumps the schema version, so
-- every connection opened afterwards reads the new definitions (`sqlite.rs` migrates on a
-- connection of its own for that reason).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status IN (''requested'', ''confirmed'',',
    'CHECK (status IN (''verifying'', ''requested'', ''confirmed'',')
    WHERE type = 'table' AND name = 'appointments';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (channel IN (''line'', ''sandbox''))', 'CHECK (channel IN (''line'', ''sandbox'', ''email''))')
    WHERE type = 'table' AND name = 'notifications';
PRAGMA writable_schema = OFF;

-- A patient who booked on the website: their address (one patient per address and clinic)
-- and the key of the links in their e-mails.
ALTER TABLE patients ADD COLUMN email TEXT;
ALTER TABLE patients ADD COLUMN web_key TEXT;
CREATE UNIQUE INDEX patients_email_key ON patients (clinic_id, email);

-- A website request while its code is confirmed: the flow token of the page that made it and
-- the code, both as digests; what the patient typed, kept until the code proves the address.
CREATE TABLE web_requests (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointments (id) ON DELETE CASCADE,
    clinic_id      INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    email          TEXT    NOT NULL,
    flow_digest    TEXT    NOT NULL CONSTRAINT web_requests_flow_key UNIQUE,
    code_digest    TEXT    NOT NULL,
    code_attempts  INTEGER NOT NULL DEFAULT 0,
    codes_sent     INTEGER NOT NULL DEFAULT 1,
    code_sent_at   TEXT    NOT NULL,
    details        TEXT    NOT NULL,
    verified_at    TEXT,
    created_at     TEXT    NOT NULL
);
CREATE INDEX web_requests_by_email ON web_requests (clinic_id, email, created_at);
