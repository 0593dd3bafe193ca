-- Patients' rights over their data: a patient asks for deletion (from the LIFF page or the
-- e-mail's link), the owner carries it out. Visit records stay (counts, legal retention); the
-- person becomes anonymous: `erased_at` says when their details, contact and answers went.
ALTER TABLE patients ADD COLUMN erased_at TIMESTAMPTZ;
CREATE TABLE deletion_requests (
    id           BIGSERIAL   PRIMARY KEY,
    clinic_id    BIGINT      NOT NULL REFERENCES clinics (id),
    patient_id   BIGINT      NOT NULL REFERENCES patients (id),
    channel      TEXT        NOT NULL CHECK (channel IN ('line', 'web', 'sandbox')),
    requested_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    completed_by BIGINT      REFERENCES staff (id)
);
-- One open request per patient.
CREATE UNIQUE INDEX deletion_requests_open ON deletion_requests (clinic_id, patient_id) WHERE completed_at IS NULL;
-- The access log names an erasure as such.
ALTER TABLE access_log DROP CONSTRAINT access_log_kind_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_kind_check
    CHECK (kind IN ('patient_viewed', 'answers_viewed', 'day_viewed', 'searched', 'exported', 'changed', 'erased'));
