-- Patients' rights over their data: a patient asks for deletion (from the LIFF page or the
-- e-mail's link), the owner carries it out. Visit records stay (counts, legal retention); the
-- person becomes anonymous: `erased_at` says when their details, contact and answers went.
ALTER TABLE patients ADD COLUMN erased_at TEXT;
CREATE TABLE deletion_requests (
    id           INTEGER PRIMARY KEY,
    clinic_id    INTEGER NOT NULL REFERENCES clinics (id),
    patient_id   INTEGER NOT NULL REFERENCES patients (id),
    channel      TEXT    NOT NULL CHECK (channel IN ('line', 'web', 'sandbox')),
    requested_at TEXT    NOT NULL,
    completed_at TEXT,
    completed_by INTEGER REFERENCES staff (id)
);
-- One open request per patient.
CREATE UNIQUE INDEX deletion_requests_open ON deletion_requests (clinic_id, patient_id) WHERE completed_at IS NULL;
-- The access log names an erasure as such. SQLite cannot change a CHECK: the table is made
-- again, every entry kept, with its indexes and append-only triggers.
CREATE TABLE access_log_erased (
    id         INTEGER PRIMARY KEY,
    clinic_id  INTEGER NOT NULL REFERENCES clinics (id),
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    patient_id INTEGER REFERENCES patients (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('patient_viewed', 'answers_viewed', 'day_viewed', 'searched', 'exported', 'changed', 'erased')),
    detail     TEXT    NOT NULL,
    at         TEXT    NOT NULL
);
INSERT INTO access_log_erased (id, clinic_id, staff_id, patient_id, kind, detail, at)
    SELECT id, clinic_id, staff_id, patient_id, kind, detail, at FROM access_log;
DROP TABLE access_log;
ALTER TABLE access_log_erased RENAME TO access_log;
CREATE INDEX access_log_by_patient ON access_log (clinic_id, patient_id, at);
CREATE INDEX access_log_by_staff ON access_log (clinic_id, staff_id, at);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
