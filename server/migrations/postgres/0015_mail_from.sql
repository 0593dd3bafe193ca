-- The address the clinic's e-mails to patients come from (checked by `settings::check_mail_from`).
-- Empty: the deployment's own address, under the clinic's name.
ALTER TABLE clinics ADD COLUMN mail_from TEXT NOT NULL DEFAULT '';
