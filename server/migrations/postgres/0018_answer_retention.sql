-- How long a clinic keeps questionnaire answers after the visit (NULL: until the owner deletes
-- them), and each time the worker deleted some, so that the owner can show when and how many.
ALTER TABLE clinics ADD COLUMN answers_kept_days BIGINT CHECK (answers_kept_days BETWEEN 1 AND 3650);
CREATE TABLE answer_deletions (
    id            BIGSERIAL   PRIMARY KEY,
    clinic_id     BIGINT      NOT NULL REFERENCES clinics (id),
    at            TIMESTAMPTZ NOT NULL,
    -- Visits dated before this day lost their answers.
    visits_before DATE        NOT NULL,
    visits        BIGINT      NOT NULL,
    answers       BIGINT      NOT NULL
);
CREATE INDEX answer_deletions_by_clinic ON answer_deletions (clinic_id, at);
