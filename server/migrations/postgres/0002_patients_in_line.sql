-- The LIFF mini-app: LINE settings per clinic, patient sessions, the clinic's questions,
-- answers, opaque appointment references and rescheduling.

ALTER TABLE clinics ADD COLUMN liff_id TEXT;
ALTER TABLE clinics ADD COLUMN line_login_channel_id TEXT;
ALTER TABLE clinics ADD COLUMN line_channel_secret TEXT;
ALTER TABLE clinics ADD COLUMN line_channel_access_token TEXT;
ALTER TABLE clinics ADD COLUMN line_add_friend_url TEXT;
ALTER TABLE clinics ADD COLUMN privacy_notice_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN privacy_notice_en TEXT NOT NULL DEFAULT '';

ALTER TABLE patients ADD COLUMN language TEXT NOT NULL DEFAULT 'ja';

-- A patient signed in on a device: the browser holds only the random token (HttpOnly cookie).
CREATE TABLE patient_sessions (
    token      TEXT    PRIMARY KEY,
    clinic_id  BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    patient_id BIGINT  NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ    NOT NULL,
    expires_at TIMESTAMPTZ    NOT NULL
);

CREATE TABLE menu_questions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    menu_id     BIGINT  NOT NULL REFERENCES menus (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL,
    label_ja    TEXT    NOT NULL,
    label_en    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('text', 'choice', 'yes_no')),
    -- Choices, one per line, in both languages (same order).
    choices_ja  TEXT    NOT NULL DEFAULT '',
    choices_en  TEXT    NOT NULL DEFAULT '',
    required    BOOLEAN NOT NULL
);

CREATE TABLE appointment_answers (
    appointment_id BIGINT  NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    question_id    BIGINT  NOT NULL REFERENCES menu_questions (id),
    answer         TEXT    NOT NULL,
    PRIMARY KEY (appointment_id, question_id)
);

-- Opaque reference for URLs and messages (never the numeric id).
ALTER TABLE appointments ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX appointments_reference_key ON appointments (reference);
-- A reschedule request replaces this appointment once it is confirmed.
ALTER TABLE appointments ADD COLUMN replaces_id BIGINT  REFERENCES appointments (id);
UPDATE appointments SET reference = md5(random()::text || id::text) WHERE reference IS NULL;
