//! Booking storms against a running server, as patients' phones would send them: sandbox
//! patients sign in first (not timed), then send their booking requests all at once. Prints
//! accepted bookings per second and latency percentiles as `key=value` lines for
//! `./scripts/bench`, then reads the database and fails if any place holds more patients than
//! its capacity.
//!
//! `one-place`: every patient asks for the same place (exactly capacity may win).
//! `spread`: each patient asks for three places on different days across the month.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use app::api::liff::{AppointmentView, BookingSetup, MenuChoice};
use app::api::once::IdempotencyKey;
use app::api::PlaceView;
use app::kinds::QuestionKind;
use clap::{Parser, Subcommand};
use futures::stream::{self, StreamExt};
use serde_json::json;

#[derive(Parser)]
struct Cli {
    /// The server, e.g. http://127.0.0.1:3000.
    #[arg(long)]
    base: String,
    /// The server's database, to check for over-booking afterwards.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "demo")]
    slug: String,
    /// The menu (its English name) to book.
    #[arg(long, default_value = "Follow-up visit")]
    menu: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[command(subcommand)]
    storm: Storm,
}

#[derive(Subcommand)]
enum Storm {
    OnePlace {
        #[arg(long, default_value_t = 1000)]
        patients: usize,
    },
    Spread {
        #[arg(long, default_value_t = 1000)]
        patients: usize,
    },
}

struct Client {
    http: reqwest::Client,
    base: String,
    slug: String,
}

impl Client {
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        body: serde_json::Value,
        cookie: Option<&str>,
    ) -> anyhow::Result<(u16, Option<T>, String)> {
        let request = self.http.post(format!("{}/api/{endpoint}", self.base)).header("accept", "application/json");
        // Server functions read forms unless they say otherwise; the booking request is JSON.
        let mut request = if endpoint == "liff/submit" {
            request.json(&body)
        } else {
            let fields: Vec<(String, String)> = body
                .as_object()
                .context("a form is an object")?
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect();
            request.form(&fields)
        };
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.with_context(|| format!("POST {endpoint}"))?;
        let status = response.status().as_u16();
        let cookie = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).map(|v| v.split(';').next().unwrap_or_default().to_string());
        let text = response.text().await?;
        let value = if status == 200 { serde_json::from_str(&text).ok() } else { None };
        Ok((status, value, cookie.unwrap_or(text)))
    }

    /// A new sandbox patient: their session cookie.
    async fn patient(&self) -> anyhow::Result<String> {
        let (status, _, cookie) = self.call::<serde_json::Value>("liff/sandbox_sign_in", json!({ "slug": self.slug, "lang": "ja" }), None).await?;
        if status != 200 {
            bail!("sign-in answered {status}: {cookie}");
        }
        Ok(cookie)
    }
}

/// One booking request: its status and how long the answer took.
async fn book(client: &Client, cookie: &str, menu: &MenuChoice, setup: &BookingSetup, place: &PlaceView, n: usize) -> anyhow::Result<(u16, Duration)> {
    let answers: Vec<(i64, String)> = setup
        .questions
        .iter()
        .filter(|q| q.required)
        .map(|q| {
            let answer = match q.kind {
                QuestionKind::Choice => q.choices.first().cloned().unwrap_or_default(),
                _ => "なし".to_string(),
            };
            (q.id.0, answer)
        })
        .collect();
    let request = json!({
        "request": {
            "slug": client.slug, "menu_id": menu.id, "resource_id": place.resource_id, "starts_at": place.starts_at,
            "details": { "name": format!("負荷 太郎{n}"), "furigana": "ふか たろう", "phone": "090-0000-0000", "birth_date": "1950-04-01" },
            "answers": answers, "consent": true, "replaces": null, "lang": "ja"
        },
        "key": IdempotencyKey::new(),
    });
    let started = Instant::now();
    let (status, _, body) = client.call::<AppointmentView>("liff/submit", request, Some(cookie)).await?;
    if status != 200 && status != 409 {
        bail!("a booking answered {status}: {body}");
    }
    Ok((status, started.elapsed()))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let http = reqwest::Client::builder().pool_max_idle_per_host(cli.concurrency).timeout(Duration::from_secs(60)).build()?;
    let client = Client { http, base: cli.base.trim_end_matches('/').to_string(), slug: cli.slug.clone() };
    let (status, menus, text) = client.call::<Vec<MenuChoice>>("liff/menus", json!({ "slug": cli.slug, "lang": "en" }), None).await?;
    let menus = menus.with_context(|| format!("menus: {status} {text}"))?;
    let menu = menus.iter().find(|m| m.name == cli.menu).with_context(|| format!("no menu {}", cli.menu))?.clone();

    // The places of the coming month, by day.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let mut days: Vec<Vec<PlaceView>> = Vec::new();
    for d in 1..=31u64 {
        let date = (today + chrono::Days::new(d)).format("%Y-%m-%d").to_string();
        let (_, places, _) =
            client.call::<Vec<PlaceView>>("liff/day", json!({ "slug": cli.slug, "menu_id": menu.id, "date": date, "lang": "ja" }), None).await?;
        let places = places.unwrap_or_default();
        if !places.is_empty() {
            days.push(places);
        }
    }
    let Some(first_day) = days.first() else { bail!("no free places in the coming month") };

    // Who asks for what.
    let (patients, asks): (usize, Vec<(usize, PlaceView)>) = match cli.storm {
        Storm::OnePlace { patients } => (patients, (0..patients).map(|p| (p, first_day[0].clone())).collect()),
        Storm::Spread { patients } => {
            let mut asks = Vec::new();
            for p in 0..patients {
                for k in 0..3 {
                    let day = &days[(p * 3 + k) % days.len()];
                    asks.push((p, day[(p * 7 + k * 13) % day.len()].clone()));
                }
            }
            (patients, asks)
        }
    };
    let cookies: Vec<String> = stream::iter(0..patients)
        .map(|_| client.patient())
        .buffer_unordered(cli.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;

    // The menu's questions, as a signed-in patient's page loads them.
    let (status, setup, text) =
        client.call::<BookingSetup>("liff/booking_setup", json!({ "slug": cli.slug, "menu_id": menu.id, "lang": "ja" }), Some(&cookies[0])).await?;
    let setup = setup.with_context(|| format!("booking setup: {status} {text}"))?;

    let started = Instant::now();
    let results: Vec<anyhow::Result<(u16, Duration)>> = stream::iter(asks.iter().enumerate())
        .map(|(n, (p, place))| book(&client, &cookies[*p], &menu, &setup, place, n))
        .buffer_unordered(cli.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let results: Vec<(u16, Duration)> = results.into_iter().collect::<Result<_, _>>()?;
    let accepted = results.iter().filter(|(s, _)| *s == 200).count();
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    println!("requests={}", results.len());
    println!("accepted={accepted}");
    println!("seconds={:.3}", elapsed.as_secs_f64());
    println!("accepted_per_second={:.0}", accepted as f64 / elapsed.as_secs_f64());
    println!("requests_per_second={:.0}", results.len() as f64 / elapsed.as_secs_f64());
    println!("p50_ms={:.1}", percentile(&latencies, 0.50));
    println!("p99_ms={:.1}", percentile(&latencies, 0.99));
    println!("max_ms={:.1}", percentile(&latencies, 1.0));

    // Nobody over-booked, read from the database: no unit (menu and start on a resource) holds
    // more than its menu's capacity, and no two units' held times overlap on one resource.
    let capacity: HashMap<i64, u32> = menus.iter().map(|m| (m.id.0, m.capacity)).collect();
    // The bench's clinics have no LINE credentials, so no key to open them with.
    let store = server::db::open(&cli.database_url, None).await?;
    let mut db = store.read().await?;
    let clinic = db.clinic_by_slug(&cli.slug).await?.context("clinic")?;
    let resources: Vec<_> = db.resources(clinic.id).await?.into_iter().map(|r| r.id).collect();
    let now = chrono::Utc::now();
    let (from, to) = (now - chrono::Duration::days(1), now + chrono::Duration::days(60));
    let mut held = db.holding(clinic.id, &resources, from, to).await?;
    held.retain(|b| b.holds_capacity_at(now));
    let mut per_unit: HashMap<(i64, i64, i64), u32> = HashMap::new();
    for b in &held {
        *per_unit.entry((b.resource_id.0, b.menu_id.0, b.starts_at.timestamp())).or_default() += 1;
    }
    let mut over: Vec<String> = per_unit
        .iter()
        .filter(|((_, menu, _), n)| **n > capacity.get(menu).copied().unwrap_or(u32::MAX))
        .map(|(unit, n)| format!("{unit:?} holds {n}"))
        .collect();
    held.sort_by_key(|b| (b.resource_id, b.held_from));
    for (i, a) in held.iter().enumerate() {
        for b in held[i + 1..].iter().take_while(|b| b.resource_id == a.resource_id && b.held_from < a.held_until) {
            if (a.menu_id, a.starts_at) != (b.menu_id, b.starts_at) {
                over.push(format!("appointments {} and {} overlap", a.id.0, b.id.0));
            }
        }
    }
    println!("places_held={}", per_unit.len());
    println!("over_booked={}", over.len());
    if !over.is_empty() {
        bail!("over-booked: {over:?}");
    }
    if let Storm::OnePlace { .. } = cli.storm {
        // Exactly the room the place had is given away, however many ask.
        let place = &first_day[0];
        if accepted as u32 != place.remaining.min(patients as u32) {
            bail!("{accepted} accepted for a place with {} left", place.remaining);
        }
    }
    Ok(())
}
