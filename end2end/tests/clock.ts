import { execFileSync } from "node:child_process";
import { expect } from "@playwright/test";

// The tests' stand-in for time passing: the server has no clock to inject, so a visit is moved
// in the SQLite file the test server uses (scripts/test passes its path).
const DB = process.env.YOYAKU_E2E_DB ?? "";

/** Moves a visit so it starts `minutes` from now (the test's stand-in for time passing). */
export function moveVisit(reference: string, minutes: number) {
  expect(DB).not.toBe("");
  const script = `
import sqlite3, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
db = sqlite3.connect(sys.argv[1], timeout=30)
(starts, ends, held_from, held_until, resource, menu, number, old_day) = db.execute(
    "SELECT starts_at, ends_at, held_from, held_until, resource_id, menu_id, queue_number, service_date FROM appointments WHERE reference = ?",
    (sys.argv[2],)).fetchone()
# sqlx stores RFC 3339 text; keep its exact shape so text comparisons stay chronological.
parse = lambda s: datetime.fromisoformat(s)
target = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=int(sys.argv[3]))
shift = target - parse(starts)
fmt = lambda s: (parse(s) + shift).strftime('%Y-%m-%dT%H:%M:%S+00:00')
# The visit's clinic-local day moves with it (the demo clinics are in Asia/Tokyo).
day = target.astimezone(ZoneInfo("Asia/Tokyo")).strftime('%Y-%m-%d')
# A place in a day queue moving to another day takes that day's next number.
if number is not None and day != old_day:
    (number,) = db.execute("SELECT COALESCE(MAX(queue_number), 0) + 1 FROM appointments WHERE resource_id = ? AND menu_id = ? AND service_date = ?",
                           (resource, menu, day)).fetchone()
db.execute("UPDATE appointments SET starts_at = ?, ends_at = ?, held_from = ?, held_until = ?, service_date = ?, queue_number = ? WHERE reference = ?",
           (fmt(starts), fmt(ends), fmt(held_from), fmt(held_until), day, number, sys.argv[2]))
db.commit()
`;
  execFileSync("python3", ["-c", script, DB, reference, String(minutes)]);
}
