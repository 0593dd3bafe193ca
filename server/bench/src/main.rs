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
        let mut request = self.http.post(format!("{}/api/{endpoint}", self.base)).json(&body).header("accept", "application/json");
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
    let (_, menus, _) = client.call::<Vec<MenuChoice>>("liff/menus", json!({ "slug": cli.slug, "lang": "en" }), None).await?;
    let menu = menus.context("menus")?.into_iter().find(|m| m.name == cli.menu).with_context(|| format!("no menu {}", cli.menu))?;
    let (_, setup, _) = client.call::<BookingSetup>("liff/booking_setup", json!({ "slug": cli.slug, "menu_id": menu.id, "lang": "ja" }), None).await?;
    let setup = setup.context("booking setup")?;

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

    // Nobody over-booked: every place holds at most its capacity, read from the database.
    let store = server::db::open(&cli.database_url).await?;
    let mut db = store.read().await?;
    let clinic = db.clinic_by_slug(&cli.slug).await?.context("clinic")?;
    let held = db.appointments_on(clinic.id, today, today + chrono::Days::new(40)).await?;
    let mut per_place: HashMap<(i64, i64), u32> = HashMap::new();
    for a in held.iter().filter(|a| a.menu_id == menu.id && a.status.holds_capacity() && !a.lapsed(chrono::Utc::now())) {
        *per_place.entry((a.resource_id.0, a.starts_at.timestamp())).or_default() += 1;
    }
    let over: Vec<_> = per_place.iter().filter(|(_, n)| **n > menu.capacity).collect();
    println!("places_held={}", per_place.len());
    println!("over_booked={}", over.len());
    if !over.is_empty() {
        bail!("over-booked places: {over:?}");
    }
    if let Storm::OnePlace { .. } = cli.storm {
        let won = per_place.get(&(first_day[0].resource_id.0, first_day[0].starts_at)).copied().unwrap_or(0);
        if accepted as u32 != won || won != menu.capacity.min(patients as u32) {
            bail!("{accepted} accepted, {won} held, capacity {}", menu.capacity);
        }
    }
    Ok(())
}
