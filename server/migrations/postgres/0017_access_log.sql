-- Who read or changed which patient's data, and when (the owner's 操作記録). Append-only: the
-- app never changes or deletes an entry, and this trigger refuses anyone who tries.
CREATE TABLE access_log (
    id         BIGSERIAL   PRIMARY KEY,
    clinic_id  BIGINT      NOT NULL REFERENCES clinics (id),
    staff_id   BIGINT      NOT NULL REFERENCES staff (id),
    patient_id BIGINT      REFERENCES patients (id),
    kind       TEXT        NOT NULL CHECK (kind IN ('patient_viewed', 'answers_viewed', 'day_viewed', 'searched', 'exported', 'changed')),
    detail     TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX access_log_by_patient ON access_log (clinic_id, patient_id, at);
CREATE INDEX access_log_by_staff ON access_log (clinic_id, staff_id, at);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END
$$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
