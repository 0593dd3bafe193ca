-- Every version of a clinic's privacy notice: a change makes a new one, and a patient's consent
-- names the version they read. The current text stays on `clinics` as well.
CREATE TABLE privacy_notices (
    clinic_id  BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    version    BIGINT  NOT NULL CHECK (version > 0),
    notice_ja  TEXT    NOT NULL,
    notice_en  TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (clinic_id, version)
);
INSERT INTO privacy_notices (clinic_id, version, notice_ja, notice_en, created_at)
    SELECT id, 1, privacy_notice_ja, privacy_notice_en, created_at FROM clinics;

-- A patient's consent to the privacy notice, as given with a booking: which version, when, and
-- how (LINE, the website, the sandbox). Nothing here is ever changed or deleted by the app.
CREATE TABLE consents (
    id             BIGSERIAL PRIMARY KEY,
    clinic_id      BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    patient_id     BIGINT  NOT NULL REFERENCES patients (id),
    notice_version BIGINT  NOT NULL,
    channel        TEXT    NOT NULL CHECK (channel IN ('line', 'web', 'sandbox')),
    appointment_id BIGINT  REFERENCES appointments (id) ON DELETE SET NULL,
    consented_at   TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (clinic_id, notice_version) REFERENCES privacy_notices (clinic_id, version)
);
CREATE INDEX consents_by_patient ON consents (clinic_id, patient_id, consented_at);
