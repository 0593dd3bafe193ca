-- Every change the owner makes to the clinic's settings: who, when, which area, and a summary
-- (never a secret). Written in the same transaction as the change.
CREATE TABLE settings_audit (
    id        INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    staff_id  INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    area      TEXT    NOT NULL,
    summary   TEXT    NOT NULL,
    at        TEXT    NOT NULL
);
CREATE INDEX settings_audit_by_clinic ON settings_audit (clinic_id, id);
