use clap::Parser;
use server::config::{init_logging, Cli, Command, SecretKeyCommand, ServeArgs};
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
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        // These two work on the database file itself (and restore must not open it first).
        Command::Backup { to } => {
            let summary = server::backup::backup(&cli.database_url, &to).await?;
            println!("backed up to {}: {summary}", to.display());
            Ok(())
        }
        Command::Restore { from } => {
            let summary = server::backup::restore(&cli.database_url, &from).await?;
            println!("restored from {}: {summary}; the schema is brought up to date at the next start", from.display());
            Ok(())
        }
        Command::SecretKey(SecretKeyCommand::New) => {
            println!("{}", db::secrets::SecretKey::generate());
            Ok(())
        }
        Command::SecretKey(SecretKeyCommand::Rotate { new_key }) => {
            let old = cli.secret_key.ok_or_else(|| anyhow::anyhow!("set YOYAKU_SECRET_KEY to the key the secrets are sealed with now"))?;
            let count = db::rotate_secret_key(&cli.database_url, &old, &new_key).await?;
            println!("{count} stored secret(s) are now sealed with the new key: start the servers with it as YOYAKU_SECRET_KEY");
            Ok(())
        }
        command => {
            let store = db::open(&cli.database_url, cli.secret_key).await?;
            with_store(store, &cli.line_api_url, command).await
        }
    }
}

async fn with_store(store: app::store::SharedStore, line_api_url: &str, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            if args.seed_demo {
                seed::seed_demo(store.as_ref(), chrono::Utc::now()).await?;
            }
            let line = std::sync::Arc::new(server::line::api::LineApi::new(line_api_url)?);
            let mail = std::sync::Arc::new(args.mailer()?);
            // Delivers queued LINE messages and e-mails; on PostgreSQL every instance may run one.
            let _worker = server::notify::Worker::new(store.clone(), line.clone()).with_mail(mail).spawn();
            http::serve(store, line, args).await
        }
        Command::Migrate => {
            tracing::info!("database is up to date");
            Ok(())
        }
        Command::SeedDemo { slug } => {
            seed::seed_demo_as(store.as_ref(), &slug, chrono::Utc::now()).await?;
            Ok(())
        }
        Command::CreateStaff(args) => staff::create_staff(store.as_ref(), args).await,
        Command::LineSettings(args) => staff::line_settings(store.as_ref(), args).await,
        Command::Backup { .. } | Command::Restore { .. } | Command::SecretKey(_) => unreachable!("run() handles them without opening the store"),
    }
}
