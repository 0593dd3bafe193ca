-- The live day queue (順番予約): when reception last called a place, and when it was skipped
-- (called, did not answer: it waits aside to be recalled).
ALTER TABLE appointments ADD COLUMN called_at TIMESTAMPTZ;
ALTER TABLE appointments ADD COLUMN skipped_at TIMESTAMPTZ;
-- How many patients may still be before one who gets the notice that their turn is near.
ALTER TABLE menus ADD COLUMN near_turn BIGINT NOT NULL DEFAULT 3 CHECK (near_turn BETWEEN 0 AND 20);
-- Every step of the queue: reception's calls, skips, turns ended and absences, and the
-- patients' own check-ins on arrival. Who, when, which place.
CREATE TABLE queue_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id      BIGINT  NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    appointment_id BIGINT  NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    step           TEXT    NOT NULL CHECK (step IN ('called', 'skipped', 'completed', 'absent', 'arrived')),
    actor          TEXT    NOT NULL,
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX queue_events_by_appointment ON queue_events (appointment_id);
-- One near-turn notice per visit, however the queue jumps and whoever presses at once.
CREATE UNIQUE INDEX notifications_one_near_turn ON notifications (appointment_id) WHERE kind = 'near_turn';
