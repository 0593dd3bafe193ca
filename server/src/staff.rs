//! `create-staff`: the first owner of a clinic is made from the command line.

use anyhow::{bail, Context};
use app::actions::settings;
use app::booking::model::Clinic;
use app::error::{messages, Problem};
use app::i18n::Lang;
use app::store::{Actor, Editor, LineSettings, StaffRole, Store, Write};

use crate::config::{CreateStaffArgs, LineSettingsArgs, Role};

/// An Argon2id PHC string with a random salt (the console's, for the command line and seeding).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Ok(app::api::staff::settings::ssr::hash_password_now(password)?)
}

/// A refused command, in the words the console would use (English: an operator's terminal),
/// with the fields to fix.
fn refused(problem: Problem) -> anyhow::Error {
    if let Problem::Internal(_) = problem {
        return anyhow::Error::new(problem);
    }
    let mut text = messages::problem(&problem, Lang::En);
    if let Problem::Invalid(fields) = &problem {
        for f in fields {
            text.push_str(&format!("\n  {}: {}", f.field, messages::reason(&f.reason, Lang::En)));
        }
    }
    anyhow::anyhow!(text)
}

/// The clinic `slug`, and the system as its editor.
async fn editor(tx: &mut dyn Write, slug: &str) -> anyhow::Result<(Clinic, Editor)> {
    let clinic = tx.clinic_by_slug(slug).await?.with_context(|| format!("no clinic with the address name {slug:?}"))?;
    let by = Editor { clinic: clinic.id, actor: Actor::System, now: chrono::Utc::now() };
    Ok((clinic, by))
}

pub async fn create_staff(store: &dyn Store, args: CreateStaffArgs) -> anyhow::Result<()> {
    let password = match &args.password_env {
        Some(var) => std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?,
        None => rpassword::prompt_password("Password: ").context("cannot read the password (use --password-env VAR when there is no terminal)")?,
    };
    // The console's rules for a password.
    app::api::staff::settings::validate::password("password", &password).map_err(|field| refused(Problem::Invalid(vec![field])))?;
    let role = match args.role {
        Role::Owner => StaffRole::Owner,
        Role::Staff => StaffRole::Staff,
    };
    let hash = hash_password(&password)?;
    let mut tx = store.write().await?;
    let (clinic, by) = editor(tx.as_mut(), &args.clinic).await?;
    let id = settings::add_staff(tx.as_mut(), by, &args.email, &args.name, role, hash).await.map_err(refused)?;
    tx.commit().await?;
    let email = args.email.trim().to_lowercase();
    tracing::info!(staff_id = %id, %email, role = role.as_str(), clinic = %clinic.slug, "staff account created");
    println!("created {} account {email} for {}", role.as_str(), clinic.slug);
    Ok(())
}

/// `line-settings`: connects a clinic to LINE from the command line (the owner can also do it in
/// the console's settings), with the console's checks. Secrets are read from environment
/// variables, never from the command line (shell history); one not given keeps the stored one.
pub async fn line_settings(store: &dyn Store, args: LineSettingsArgs) -> anyhow::Result<()> {
    let secret = |var: &Option<String>| -> anyhow::Result<Option<String>> {
        var.as_ref().map(|v| std::env::var(v).with_context(|| format!("environment variable {v} is not set"))).transpose()
    };
    let update = if args.remove {
        None
    } else {
        let (Some(liff_id), Some(login_channel_id)) = (args.liff_id, args.login_channel_id) else {
            bail!("--liff-id and --login-channel-id are required");
        };
        Some(LineSettings {
            liff_id,
            login_channel_id,
            channel_secret: secret(&args.channel_secret_env)?,
            channel_access_token: secret(&args.access_token_env)?,
            add_friend_url: args.add_friend_url,
        })
    };
    let connect = update.is_some();
    let mut tx = store.write().await?;
    let (clinic, by) = editor(tx.as_mut(), &args.clinic).await?;
    settings::update_line(tx.as_mut(), by, update).await.map_err(refused)?;
    tx.commit().await?;
    if connect {
        tracing::info!(clinic = %clinic.slug, "LINE channels set");
        println!("{} is connected to LINE", clinic.slug);
    } else {
        println!("{} now runs in sandbox mode (no LINE channels)", clinic.slug);
    }
    Ok(())
}
