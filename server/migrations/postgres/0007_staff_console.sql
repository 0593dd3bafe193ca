-- The staff console: staff sessions, sign-in attempts (rate limiting), and what the console
-- records on appointments: the clinic's message with a change, proposals, arrivals.

ALTER TABLE appointments ADD COLUMN status_note TEXT;
ALTER TABLE appointments ADD COLUMN proposal BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE appointments ADD COLUMN arrived_at TIMESTAMPTZ;
CREATE INDEX appointments_by_day ON appointments (clinic_id, service_date);
CREATE INDEX appointments_by_status ON appointments (clinic_id, status);

-- A signed-in staff member on a device: the browser holds the random token (HttpOnly cookie),
-- stored here as its SHA-256 digest; the CSRF token must accompany every change.
CREATE TABLE staff_sessions (
    token      TEXT    PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sign_in_attempts (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     TEXT    NOT NULL,
    address   TEXT    NOT NULL,
    succeeded BOOLEAN NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_attempts_by_email ON sign_in_attempts (email, at);
CREATE INDEX sign_in_attempts_by_address ON sign_in_attempts (address, at);
