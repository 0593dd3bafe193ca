-- Availability reads a resource's own holds, not the whole clinic's.
CREATE INDEX appointments_by_resource ON appointments (resource_id, held_from);

-- The inbox, a page at a time, oldest first.
CREATE INDEX appointments_requests ON appointments (clinic_id, status, proposal, created_at, id);

-- Open requests and upcoming visits one patient may hold at once (a clinic setting).
ALTER TABLE clinics ADD COLUMN booking_limit BIGINT NOT NULL DEFAULT 3 CHECK (booking_limit BETWEEN 1 AND 20);

-- The newest event of a clinic: the live inbox and the calendar cache's version ask often.
CREATE INDEX appointment_events_by_clinic ON appointment_events (clinic_id, id);
