-- Yoyaku schema, PostgreSQL flavour. Times are TIMESTAMPTZ; local dates are DATE;
-- times of day are minutes after midnight in the clinic's time zone.

CREATE TABLE clinics (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug             TEXT    NOT NULL CONSTRAINT clinics_slug_key UNIQUE,
    name_ja          TEXT    NOT NULL,
    name_en          TEXT    NOT NULL,
    time_zone        TEXT    NOT NULL,
    open_on_holidays BOOLEAN NOT NULL,
    created_at       TIMESTAMPTZ    NOT NULL
);

CREATE TABLE resources (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    name_ja   TEXT    NOT NULL,
    name_en   TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('practitioner', 'room'))
);

CREATE TABLE menus (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id             BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    position              BIGINT  NOT NULL,
    name_ja               TEXT    NOT NULL,
    name_en               TEXT    NOT NULL,
    duration_minutes      BIGINT  NOT NULL CHECK (duration_minutes > 0),
    mode                  TEXT    NOT NULL CHECK (mode IN ('slot', 'band', 'queue')),
    capacity              BIGINT  NOT NULL CHECK (capacity > 0),
    buffer_before_minutes BIGINT  NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes  BIGINT  NOT NULL CHECK (buffer_after_minutes >= 0),
    min_notice_minutes    BIGINT  NOT NULL CHECK (min_notice_minutes >= 0),
    horizon_days          BIGINT  NOT NULL CHECK (horizon_days >= 0),
    cancel_cutoff_minutes BIGINT  NOT NULL CHECK (cancel_cutoff_minutes >= 0),
    requires_approval     BOOLEAN NOT NULL,
    hold_minutes          BIGINT  NOT NULL CHECK (hold_minutes > 0),
    active                BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE menu_resources (
    menu_id     BIGINT  NOT NULL REFERENCES menus (id) ON DELETE CASCADE,
    resource_id BIGINT  NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    PRIMARY KEY (menu_id, resource_id)
);

CREATE TABLE opening_hours (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource_id   BIGINT  NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    weekday       BIGINT  NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- 0 = Monday
    opens_minute  BIGINT  NOT NULL CHECK (opens_minute BETWEEN 0 AND 1440),
    closes_minute BIGINT  NOT NULL CHECK (closes_minute BETWEEN 0 AND 1440),
    CHECK (opens_minute < closes_minute)
);

CREATE TABLE date_exceptions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id     BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    resource_id   BIGINT  REFERENCES resources (id) ON DELETE CASCADE, -- NULL: the whole clinic
    date          DATE    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('closed', 'extra_hours')),
    opens_minute  BIGINT,
    closes_minute BIGINT,
    CHECK ((kind = 'closed') OR (opens_minute IS NOT NULL AND closes_minute IS NOT NULL AND opens_minute < closes_minute))
);
CREATE INDEX date_exceptions_by_date ON date_exceptions (clinic_id, date);

CREATE TABLE patients (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id    BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    line_user_id TEXT,
    name         TEXT    NOT NULL,
    furigana     TEXT    NOT NULL,
    phone        TEXT    NOT NULL,
    birth_date   DATE,
    created_at   TIMESTAMPTZ    NOT NULL,
    CONSTRAINT patients_line_user_key UNIQUE (clinic_id, line_user_id)
);

CREATE TABLE staff (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id     BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL CONSTRAINT staff_email_key UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
    password_hash TEXT    NOT NULL,
    created_at    TIMESTAMPTZ    NOT NULL
);

CREATE TABLE appointments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id       BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    menu_id         BIGINT  NOT NULL REFERENCES menus (id),
    resource_id     BIGINT  NOT NULL REFERENCES resources (id),
    patient_id      BIGINT  NOT NULL REFERENCES patients (id),
    starts_at       TIMESTAMPTZ    NOT NULL,
    ends_at         TIMESTAMPTZ    NOT NULL,
    held_from       TIMESTAMPTZ    NOT NULL,
    held_until      TIMESTAMPTZ    NOT NULL,
    service_date    DATE    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('requested', 'confirmed', 'declined', 'expired',
                        'cancelled_by_patient', 'cancelled_by_clinic', 'no_show', 'completed')),
    queue_number    BIGINT,
    hold_expires_at TIMESTAMPTZ,
    created_at      TIMESTAMPTZ    NOT NULL,
    updated_at      TIMESTAMPTZ    NOT NULL
);
CREATE INDEX appointments_by_time ON appointments (clinic_id, held_from);
CREATE INDEX appointments_by_patient ON appointments (patient_id);
-- A queue number is handed out once per menu, resource and day, whatever happens to it later.
CREATE UNIQUE INDEX appointments_queue_place
    ON appointments (resource_id, menu_id, service_date, queue_number) WHERE queue_number IS NOT NULL;

-- Every change of an appointment's status: who, when, from, to.
CREATE TABLE appointment_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id      BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    appointment_id BIGINT  NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    actor          TEXT    NOT NULL,
    from_status    TEXT,
    to_status      TEXT    NOT NULL,
    at             TIMESTAMPTZ    NOT NULL
);
CREATE INDEX appointment_events_by_appointment ON appointment_events (appointment_id);
