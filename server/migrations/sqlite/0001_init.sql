-- Yoyaku schema, SQLite flavour. Times are UTC RFC 3339 text; local dates are 'YYYY-MM-DD';
-- times of day are minutes after midnight in the clinic's time zone.

CREATE TABLE clinics (
    id               INTEGER PRIMARY KEY,
    slug             TEXT    NOT NULL CONSTRAINT clinics_slug_key UNIQUE,
    name_ja          TEXT    NOT NULL,
    name_en          TEXT    NOT NULL,
    time_zone        TEXT    NOT NULL,
    open_on_holidays BOOLEAN NOT NULL,
    created_at       TEXT    NOT NULL
);

CREATE TABLE resources (
    id        INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    name_ja   TEXT    NOT NULL,
    name_en   TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('practitioner', 'room'))
);

CREATE TABLE menus (
    id                    INTEGER PRIMARY KEY,
    clinic_id             INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    position              INTEGER NOT NULL,
    name_ja               TEXT    NOT NULL,
    name_en               TEXT    NOT NULL,
    duration_minutes      INTEGER NOT NULL CHECK (duration_minutes > 0),
    mode                  TEXT    NOT NULL CHECK (mode IN ('slot', 'band', 'queue')),
    capacity              INTEGER NOT NULL CHECK (capacity > 0),
    buffer_before_minutes INTEGER NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes  INTEGER NOT NULL CHECK (buffer_after_minutes >= 0),
    min_notice_minutes    INTEGER NOT NULL CHECK (min_notice_minutes >= 0),
    horizon_days          INTEGER NOT NULL CHECK (horizon_days >= 0),
    cancel_cutoff_minutes INTEGER NOT NULL CHECK (cancel_cutoff_minutes >= 0),
    requires_approval     BOOLEAN NOT NULL,
    hold_minutes          INTEGER NOT NULL CHECK (hold_minutes > 0),
    active                BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE menu_resources (
    menu_id     INTEGER NOT NULL REFERENCES menus (id) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    PRIMARY KEY (menu_id, resource_id)
);

CREATE TABLE opening_hours (
    id            INTEGER PRIMARY KEY,
    resource_id   INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- 0 = Monday
    opens_minute  INTEGER NOT NULL CHECK (opens_minute BETWEEN 0 AND 1440),
    closes_minute INTEGER NOT NULL CHECK (closes_minute BETWEEN 0 AND 1440),
    CHECK (opens_minute < closes_minute)
);

CREATE TABLE date_exceptions (
    id            INTEGER PRIMARY KEY,
    clinic_id     INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    resource_id   INTEGER REFERENCES resources (id) ON DELETE CASCADE, -- NULL: the whole clinic
    date          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('closed', 'extra_hours')),
    opens_minute  INTEGER,
    closes_minute INTEGER,
    CHECK ((kind = 'closed') OR (opens_minute IS NOT NULL AND closes_minute IS NOT NULL AND opens_minute < closes_minute))
);
CREATE INDEX date_exceptions_by_date ON date_exceptions (clinic_id, date);

CREATE TABLE patients (
    id           INTEGER PRIMARY KEY,
    clinic_id    INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    line_user_id TEXT,
    name         TEXT    NOT NULL,
    furigana     TEXT    NOT NULL,
    phone        TEXT    NOT NULL,
    birth_date   TEXT,
    created_at   TEXT    NOT NULL,
    CONSTRAINT patients_line_user_key UNIQUE (clinic_id, line_user_id)
);

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    clinic_id     INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL CONSTRAINT staff_email_key UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);

CREATE TABLE appointments (
    id              INTEGER PRIMARY KEY,
    clinic_id       INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    menu_id         INTEGER NOT NULL REFERENCES menus (id),
    resource_id     INTEGER NOT NULL REFERENCES resources (id),
    patient_id      INTEGER NOT NULL REFERENCES patients (id),
    starts_at       TEXT    NOT NULL,
    ends_at         TEXT    NOT NULL,
    held_from       TEXT    NOT NULL,
    held_until      TEXT    NOT NULL,
    service_date    TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('requested', 'confirmed', 'declined', 'expired',
                        'cancelled_by_patient', 'cancelled_by_clinic', 'no_show', 'completed')),
    queue_number    INTEGER,
    hold_expires_at TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX appointments_by_time ON appointments (clinic_id, held_from);
CREATE INDEX appointments_by_patient ON appointments (patient_id);
-- A queue number is handed out once per menu, resource and day, whatever happens to it later.
CREATE UNIQUE INDEX appointments_queue_place
    ON appointments (resource_id, menu_id, service_date, queue_number) WHERE queue_number IS NOT NULL;

-- Every change of an appointment's status: who, when, from, to.
CREATE TABLE appointment_events (
    id             INTEGER PRIMARY KEY,
    clinic_id      INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    appointment_id INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    actor          TEXT    NOT NULL,
    from_status    TEXT,
    to_status      TEXT    NOT NULL,
    at             TEXT    NOT NULL
);
CREATE INDEX appointment_events_by_appointment ON appointment_events (appointment_id);
