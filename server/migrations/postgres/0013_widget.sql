-- The websites that may frame the clinic's booking widget: origins, one a line, in the
-- browser's form (checked by `settings::check_origins`). Empty: the widget opens top-level only.
ALTER TABLE clinics ADD COLUMN website_origins TEXT NOT NULL DEFAULT '';
