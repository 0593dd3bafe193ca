-- What a patient's or staff member's action answered, under the key the page made for that one
-- intention: a repeat (a double tap, a retry after a lost reply, another instance) gets the first
-- answer instead of acting twice. `request` is a digest of what was asked, so a key reused for
-- something else is refused. Kept a day.
CREATE TABLE idempotency_keys (
    actor      TEXT NOT NULL,
    key        TEXT NOT NULL,
    request    TEXT NOT NULL,
    answer     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_once ON idempotency_keys (actor, key);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- A patient holds one place of a menu per day, unless the clinic allows several.
ALTER TABLE menus ADD COLUMN several_per_day BOOLEAN NOT NULL DEFAULT FALSE;
