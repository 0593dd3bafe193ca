use clap::Parser;
use server::config::{init_logging, Cli, Command, ServeArgs};
use server::{db, http, seed, staff};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stopped");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store = db::open(&cli.database_url).await?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            if args.seed_demo {
                seed::seed_demo(store.as_ref(), chrono::Utc::now()).await?;
            }
            http::serve(store, args.addr).await
        }
        Command::Migrate => {
            tracing::info!("database is up to date");
            Ok(())
        }
        Command::SeedDemo => {
            seed::seed_demo(store.as_ref(), chrono::Utc::now()).await?;
            Ok(())
        }
        Command::CreateStaff(args) => staff::create_staff(store.as_ref(), args).await,
    }
}
