-- Reminders the day before, at the clinic's hour; at most one per appointment, whatever restarts
-- or how many workers run.
ALTER TABLE clinics ADD COLUMN reminder_hour INTEGER NOT NULL DEFAULT 18 CHECK (reminder_hour BETWEEN 0 AND 23);
CREATE UNIQUE INDEX notifications_one_reminder ON notifications (appointment_id) WHERE kind = 'reminder';
