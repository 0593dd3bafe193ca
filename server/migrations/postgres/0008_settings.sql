-- Every change the owner makes to the clinic's settings: who, when, which area, and a summary
-- (never a secret). Written in the same transaction as the change.
CREATE TABLE settings_audit (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT      NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    staff_id  BIGINT      REFERENCES staff (id) ON DELETE SET NULL,
    area      TEXT        NOT NULL,
    summary   TEXT        NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX settings_audit_by_clinic ON settings_audit (clinic_id, id);
