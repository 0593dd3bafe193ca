//! Patient search at scale, on SQLite and PostgreSQL: 20,000 patients in one clinic, a few
//! distinctive ones among them, and a namesake in another clinic. The search finds them by part
//! of the name, by furigana typed in hiragana, by phone digits with or without hyphens; it keeps
//! to its limit and to its clinic, and finds exactly what the pure matcher
//! (`app::patients::search`) says it should. The time each search takes is printed, never
//! asserted.

mod support;

use std::time::Instant;

use app::booking::ids::{ClinicId, PatientId};
use app::i18n::Lang;
use app::patients::search::{fold, PatientQuery};
use app::store::*;
use support::*;

on_both!(search_finds_the_few_among_twenty_thousand, the_search_index_exists);

const BULK: usize = 20_000;
/// Given names whose kana sort the same by code point and in the Japanese (gojūon) order, so
/// that "by furigana" means one order whatever the database's collation.
const GIVEN: [(&str, &str); 5] = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("美波", "ミナミ"), ("健太", "ケンタ")];

fn details(name: &str, furigana: &str, phone: &str) -> PatientDetails {
    PatientDetails { name: name.into(), furigana: furigana.into(), phone: phone.into(), birth_date: None }
}

/// The `i`th of the crowd: 山田 or 佐藤, a given name, a number; mobile numbers that all differ.
fn bulk(i: usize) -> PatientDetails {
    let (family, kana) = if i.is_multiple_of(2) { ("山田", "ヤマダ") } else { ("佐藤", "サトウ") };
    let (given, given_kana) = GIVEN[(i / 2) % GIVEN.len()];
    details(&format!("{family} {given} {i}"), &format!("{kana} {given_kana}"), &format!("090-{:04}-{:04}", i % 10_000, 1000 + i / 10_000))
}

/// Inserts every patient in one transaction; their ids, in order.
async fn insert_all(store: &dyn Store, clinic: ClinicId, all: &[PatientDetails], identity: impl Fn(usize) -> Identity) -> Vec<PatientId> {
    let result = in_tx!(store, |tx| {
        let mut ids = Vec::with_capacity(all.len());
        for (i, details) in all.iter().enumerate() {
            let new = NewPatient { clinic_id: clinic, identity: identity(i), details: details.clone(), language: Lang::Ja };
            ids.push(tx.insert_patient(&new, now()).await?.expect("a new patient"));
        }
        Ok(ids)
    });
    result.expect("patients")
}

/// Searches as the console does, printing how long it took.
async fn timed(store: &dyn Store, clinic: ClinicId, q: &str, limit: u32) -> Vec<Patient> {
    let mut db = read(store).await;
    let query = PatientQuery::new(q);
    let started = Instant::now();
    let found = db.search_patients(clinic, &query, limit).await.expect("search");
    eprintln!("search {q:?} (limit {limit}): {} found in {:?}", found.len(), started.elapsed());
    found
}

fn ids(found: &[Patient]) -> Vec<PatientId> {
    found.iter().map(|p| p.id).collect()
}

async fn search_finds_the_few_among_twenty_thousand(db: &TestDb) {
    let store = db.store.as_ref();
    let a = clinic(store, "a").await.clinic;
    let b = clinic(store, "b").await.clinic;

    let mut all: Vec<PatientDetails> = (0..BULK).map(bulk).collect();
    // The few to find: stored with half-width katakana, an ideographic space, hyphens or not.
    let distinctive = [
        details("鈴木 一郎", "スズキ イチロウ", "080-5555-0321"),
        details("鈴木　花子", "スズキ　ハナコ", "07044449876"),
        details("高橋 美波", "ﾀｶﾊｼ ﾐﾅﾐ", "03-6666-7777"),
        // Signed in with LINE, never booked: no name, and never found, whatever the query.
        details("", "", "08055550321"),
    ];
    all.extend(distinctive.iter().cloned());
    let started = Instant::now();
    let line_user = |i: usize| Identity::Line { user_id: format!("U{i:032x}"), friend: None };
    let a_ids = insert_all(store, a, &all, |i| if i == all.len() - 1 { line_user(i) } else { Identity::Offline }).await;
    eprintln!("inserted {} patients in {:?}", all.len(), started.elapsed());
    let [ichiro, hanako, takahashi, unnamed] = [0, 1, 2, 3].map(|k| a_ids[BULK + k]);
    // Clinic b has a patient of the very same name, furigana and phone.
    let theirs = insert_all(store, b, &distinctive[..1], |_| Identity::Offline).await[0];

    // The patients of clinic a as storage holds them, for the pure matcher to judge.
    let mut db_a = read(store).await;
    let stored = db_a.patients(a, &a_ids).await.expect("read");
    assert_eq!(stored.len(), all.len(), "every patient was stored");
    assert!(!stored.iter().any(|p| p.id == theirs));

    // Each query: who must be found, in furigana order.
    let cases: [(&str, &[PatientId]); 16] = [
        // Part of the name, with or without the space, full-width space included.
        ("鈴木", &[ichiro, hanako]),
        ("鈴木一", &[ichiro]),
        ("木 一", &[ichiro]),
        ("鈴木花子", &[hanako]),
        ("鈴木　花子", &[hanako]),
        ("高橋", &[takahashi]),
        // Furigana typed in hiragana (stored in katakana, full- or half-width), or half-width.
        ("すずき", &[ichiro, hanako]),
        ("すずき いちろう", &[ichiro]),
        ("たかはし", &[takahashi]),
        ("ｽｽﾞｷ ﾊﾅｺ", &[hanako]),
        // Phone digits typed without hyphens, with them, in full width, in part.
        ("08055550321", &[ichiro]),
        ("080-5555-0321", &[ichiro]),
        ("０８０－５５５５－０３２１", &[ichiro]),
        ("070-4444-9876", &[hanako]),
        ("0366667777", &[takahashi]),
        ("5555-0321", &[ichiro]),
    ];
    for (q, expected) in cases {
        let found = timed(store, a, q, 50).await;
        assert_eq!(ids(&found), expected, "{q}");
        assert!(found.iter().all(|p| p.clinic_id == a), "{q}: only clinic a's patients");
    }
    assert!(!ids(&timed(store, a, "08055550321", 50).await).contains(&unnamed), "a patient without a name is never found");

    // One of the crowd, by name and by the whole phone number; exactly whom the matcher picks.
    for q in ["太郎 1234", "一郎 1234", "090-1234-1000", "09012341001", "佐藤 健太 1999"] {
        let query = PatientQuery::new(q);
        let mut expected_ids: Vec<PatientId> = stored.iter().filter(|p| query.matches(p)).map(|p| p.id).collect();
        let found = timed(store, a, q, 50).await;
        assert!(!found.is_empty() && found.len() < 50, "{q}: {}", found.len());
        let mut found_ids = ids(&found);
        found_ids.sort();
        expected_ids.sort();
        assert_eq!(found_ids, expected_ids, "{q}");
        assert!(found.windows(2).all(|w| fold(&w[0].details.furigana) <= fold(&w[1].details.furigana)), "{q}: by furigana");
    }

    // Ten thousand 山田: the limit holds, and they are the first by furigana.
    for limit in [50, 7, 1] {
        let found = timed(store, a, "やまだ", limit).await;
        assert_eq!(found.len(), limit as usize);
        assert!(found.iter().all(|p| p.details.name.starts_with("山田") && p.clinic_id == a));
        let keys: Vec<String> = found.iter().map(|p| fold(&p.details.furigana)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "by furigana: {keys:?}");
        // Nobody who matches sorts before the last one shown and was left out.
        let last = keys.last().expect("a patient");
        let query = PatientQuery::new("やまだ");
        let before = stored.iter().filter(|p| query.matches(p) && fold(&p.details.furigana) < *last).count();
        assert!(before <= found.len(), "{before} sort before {last}");
        assert!(found.iter().filter(|p| fold(&p.details.furigana) < *last).count() == before);
    }
    assert_eq!(timed(store, a, "0", 50).await.len(), 50, "every phone has a 0");
    // A limit of nothing finds nothing.
    assert!(timed(store, a, "鈴木", 0).await.is_empty());

    // Clinic b finds only its own namesake.
    for q in ["鈴木", "すずき いちろう", "080-5555-0321", "08055550321"] {
        assert_eq!(ids(&timed(store, b, q, 50).await), [theirs], "{q}");
        assert!(!ids(&timed(store, a, q, 50).await).contains(&theirs), "{q}");
    }

    // An empty query finds nobody (not everybody); nor does one that matches nothing, or one
    // whose `%` and `_` would match anything in a LIKE pattern.
    for q in ["", "   ", "\u{3000}", "存在しない", "すずき じろう", "080-9999-9999", "%", "_", "鈴木%", "\\"] {
        assert!(timed(store, a, q, 50).await.is_empty(), "{q:?}");
    }
}

/// The index the search reads its clinic's patients in furigana order from, in the catalogue of
/// each backend.
async fn the_search_index_exists(db: &TestDb) {
    let columns: Vec<String> = if db.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let table: Option<String> = sqlx::query_scalar("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = 'patients_search'")
            .fetch_optional(&pool)
            .await
            .expect("catalogue");
        assert_eq!(table.as_deref(), Some("patients"), "the index patients_search on SQLite");
        let columns = sqlx::query_scalar("SELECT name FROM pragma_index_info('patients_search') ORDER BY seqno").fetch_all(&pool).await.expect("index info");
        pool.close().await;
        columns
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let table: Option<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'patients_search'")
                .fetch_optional(&pool)
                .await
                .expect("catalogue");
        assert_eq!(table.as_deref(), Some("patients"), "the index patients_search on PostgreSQL");
        let columns = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON TRUE \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE c.relname = 'patients_search' ORDER BY k.n",
        )
        .fetch_all(&pool)
        .await
        .expect("index columns");
        pool.close().await;
        columns
    };
    assert_eq!(columns, ["clinic_id", "search_furigana"]);
}
