//! `server backup` while patients book, and `server restore`: the copy is whole, holds every
//! booking committed before it began (and nothing half-made), and comes back as the database
//! with nothing lost, the database it replaced kept beside it. Bad input is refused clearly.

mod support;

use app::booking::ids::ClinicId;
use app::store::*;
use chrono::Days;
use server::backup::{backup, check, restore};
use support::*;

async fn all(store: &dyn Store, clinic: ClinicId) -> Vec<Appointment> {
    let (from, to) = (chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"), chrono::NaiveDate::from_ymd_opt(2100, 1, 1).expect("date"));
    read(store).await.appointments_on(clinic, from, to).await.expect("appointments")
}

#[test]
fn a_backup_taken_while_patients_book_restores_with_nothing_lost() {
    run(async {
        let db = TestDb::sqlite().await;
        let store = db.store.clone();
        let c = clinic(store.as_ref(), "backup").await;
        let offers = {
            let mut r = read(store.as_ref()).await;
            let clinic = r.clinic(c.clinic).await.expect("read").expect("clinic");
            let menu = r.menus(c.clinic).await.expect("menus").into_iter().find(|m| m.id == c.slot).expect("menu");
            let today = now().with_timezone(&TOKYO).date_naive();
            actions::booking::availability(r.as_mut(), &clinic, &menu, today + Days::new(1), today + Days::new(10), now()).await.expect("offers")
        };
        assert!(offers.len() >= 40, "enough places to book meanwhile: {}", offers.len());
        let people = patients(store.as_ref(), c.clinic, offers.len()).await;

        // Patients book, one after another, while the copy is made.
        let load = tokio::spawn({
            let store = store.clone();
            async move {
                for (offer, patient) in offers.iter().zip(people) {
                    book(store.as_ref(), &booking(c.clinic, c.slot, offer.resource_id, offer.starts_at, patient)).await.expect("booked");
                }
            }
        });
        while all(store.as_ref(), c.clinic).await.len() < 5 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let before = all(store.as_ref(), c.clinic).await;
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("yoyaku-backup.db");
        let summary = backup(&db.url, &file).await.expect("backed up");
        let after = all(store.as_ref(), c.clinic).await;
        load.await.expect("the bookings");

        // The copy is a database of its own: every booking committed before it began, unchanged.
        let copy = support::open_store(&format!("sqlite://{}", file.display())).await;
        let copied = all(copy.as_ref(), c.clinic).await;
        assert_eq!(copied.len() as i64, summary.appointments);
        assert!(before.len() <= copied.len() && copied.len() <= after.len(), "{} ≤ {} ≤ {}", before.len(), copied.len(), after.len());
        for a in &before {
            assert!(copied.contains(a), "{} is in the copy as it was", a.reference);
        }
        copy.close().await;

        // Never over an existing file; PostgreSQL has its own tools.
        let again = backup(&db.url, &file).await.expect_err("the file exists");
        assert!(again.to_string().contains("exists already"), "{again}");
        let pg = backup("postgres://postgres@127.0.0.1:5432/test", &dir.path().join("pg.db")).await.expect_err("not SQLite");
        assert!(pg.to_string().contains("pg_dump"), "{pg}");

        // Restore over another database (its server stopped): it becomes the backup, whole, and
        // the one it replaced is kept beside it.
        let live = dir.path().join("live.db");
        let live_url = format!("sqlite://{}", live.display());
        let other = support::open_store(&live_url).await;
        let kept_clinic = clinic(other.as_ref(), "kept").await.clinic;
        // Still open (a server running on it): refused, nothing changed.
        let busy = restore(&live_url, &file).await.expect_err("in use");
        assert!(busy.to_string().contains("stop the server"), "{busy}");
        other.close().await;
        let restored = restore(&live_url, &file).await.expect("restored");
        assert_eq!(restored, summary);
        let back = support::open_store(&live_url).await;
        assert_eq!(all(back.as_ref(), c.clinic).await, copied, "nothing lost");
        assert!(read(back.as_ref()).await.clinic(kept_clinic).await.expect("read").is_none_or(|k| k.slug != "kept"));
        back.close().await;
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("live.before-restore-")))
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(check(&kept[0]).await.expect("the replaced database is kept whole").clinics, 1);

        // Something that is not a backup is refused, and the database stays as it was.
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all, just some bytes that are long enough").expect("write");
        let refused = restore(&live_url, &junk).await.expect_err("not a backup");
        assert!(refused.to_string().contains("not an SQLite database") || refused.to_string().contains("damaged"), "{refused:#}");
        assert_eq!(check(&live).await.expect("still whole"), summary);
    });
}
