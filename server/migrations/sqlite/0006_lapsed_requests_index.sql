-- The worker looks for unanswered requests whose hold ran out every second.
CREATE INDEX appointments_lapsed ON appointments (status, hold_expires_at);
