-- The owner manages staff accounts in the console: a disabled account keeps its row (the audit
-- and the appointments it touched still name it) but cannot sign in.
ALTER TABLE staff ADD COLUMN disabled_at TIMESTAMPTZ;
CREATE INDEX staff_by_clinic ON staff (clinic_id, id);
