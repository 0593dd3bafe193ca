//! The inbox a page at a time (keyset: each page starts after the last row of the one before),
//! with the count from the database, on SQLite and PostgreSQL.

mod support;

use app::booking::ids::AppointmentId;
use app::store::*;
use chrono::Duration;
use support::*;

support::on_both!(pages_cover_every_request_once_in_order,);

async fn pages_cover_every_request_once_in_order(db: &TestDb) {
    let store = db.store.as_ref();
    let c = clinic(store, "a").await;
    let people = patients(store, c.clinic, 120).await;
    let mut booked = Vec::new();
    for (n, &p) in people.iter().enumerate() {
        // Six half-hour places a morning, on successive days.
        let at = tokyo(2030, 1, 7, 9, 0) + Duration::days((n / 6) as i64) + Duration::minutes(30 * (n % 6) as i64);
        booked.push(book(store, &booking(c.clinic, c.slot, c.doctor, at, p)).await.expect("booked").id);
    }
    let mut db = read(store).await;
    assert_eq!(db.count_requests(c.clinic, false).await.expect("count"), 120);
    assert_eq!(db.count_requests(c.clinic, true).await.expect("count"), 0);
    let mut seen: Vec<AppointmentId> = Vec::new();
    let mut sizes = Vec::new();
    let mut after = None;
    loop {
        let page = db.requests(c.clinic, false, Page { after, limit: 50 }).await.expect("page");
        if page.is_empty() {
            break;
        }
        sizes.push(page.len());
        after = page.last().map(|a| a.id);
        seen.extend(page.iter().map(|a| a.id));
    }
    assert_eq!(sizes, [50, 50, 20]);
    // Oldest first, every request exactly once: the order they were made in.
    assert_eq!(seen, booked);
    assert_eq!(db.requests(c.clinic, false, Page::ALL).await.expect("all").into_iter().map(|a| a.id).collect::<Vec<_>>(), booked);
    // A cursor of another clinic finds nothing rather than another clinic's order.
    let other = clinic(store, "b").await;
    drop(db);
    let mut db = read(store).await;
    assert!(db.requests(other.clinic, false, Page { after: Some(booked[10]), limit: 50 }).await.expect("page").is_empty());
}
