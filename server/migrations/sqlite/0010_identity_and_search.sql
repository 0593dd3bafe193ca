-- Who a patient is, as a type: signed in with LINE (line_user_id), with the sandbox's demo
-- sign-in (sandbox), or known to reception only (neither). Sandbox patients used to carry a
-- made-up `sandbox-…` LINE user id.
ALTER TABLE patients ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE patients SET sandbox = TRUE, line_user_id = NULL WHERE line_user_id LIKE 'sandbox-%';

-- The folded forms a patient is found by (katakana = hiragana, full width = half width, no
-- spaces; the phone's digits), written with the details. Older rows are folded at start-up.
ALTER TABLE patients ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN search_furigana TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN search_phone TEXT NOT NULL DEFAULT '';
CREATE INDEX patients_search ON patients (clinic_id, search_furigana);

-- How a notice reaches the patient: LINE, or the console's LINE sandbox.
ALTER TABLE notifications ADD COLUMN channel TEXT NOT NULL DEFAULT 'line' CHECK (channel IN ('line', 'sandbox'));
UPDATE notifications SET channel = 'sandbox', recipient = '' WHERE recipient LIKE 'sandbox-%';
