-- Who read or changed which patient's data, and when (the owner's 操作記録). Append-only: the
-- app never changes or deletes an entry, and these triggers refuse anyone who tries.
CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY,
    clinic_id  INTEGER NOT NULL REFERENCES clinics (id),
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    patient_id INTEGER REFERENCES patients (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('patient_viewed', 'answers_viewed', 'day_viewed', 'searched', 'exported', 'changed')),
    detail     TEXT    NOT NULL,
    at         TEXT    NOT NULL
);
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
