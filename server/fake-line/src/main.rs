//! `fake-line --addr 127.0.0.1:3100`: serves the fake of LINE's API until stopped. Point the app
//! at it with `YOYAKU_LINE_API_URL=http://127.0.0.1:3100`.

use clap::Parser;

#[derive(Parser)]
#[command(name = "fake-line", about = "A local fake of LINE's HTTP API, for development and tests")]
struct Args {
    #[arg(long, env = "YOYAKU_FAKE_LINE_ADDR", default_value = "127.0.0.1:3100")]
    addr: std::net::SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())).init();
    fake_line::FakeLine::new().serve(Args::parse().addr).await
}
