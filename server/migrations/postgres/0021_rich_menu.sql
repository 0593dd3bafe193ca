-- The clinic chat's bottom menu (LINE's rich menu) this app set as the Official Account's
-- default: LINE's id (to replace or remove it later), how it was laid out (the map link of its
-- アクセス button, whether it has a row of menu buttons) and when.
ALTER TABLE clinics ADD COLUMN line_rich_menu_id TEXT;
ALTER TABLE clinics ADD COLUMN line_rich_menu_access_url TEXT;
ALTER TABLE clinics ADD COLUMN line_rich_menu_menus BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clinics ADD COLUMN line_rich_menu_set_at TIMESTAMPTZ;
