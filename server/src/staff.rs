//! `create-staff`: the first owner of a clinic is made from the command line.

use anyhow::{bail, Context};
use app::store::{LineSettings, NewStaff, StaffRole, Store};
use argon2::password_hash::{rand_core::OsRng, SaltString};
use argon2::{Argon2, PasswordHasher};

use crate::config::{CreateStaffArgs, LineSettingsArgs, Role};

pub const MIN_PASSWORD_CHARS: usize = 10;

/// An Argon2id PHC string with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub async fn create_staff(store: &dyn Store, args: CreateStaffArgs) -> anyhow::Result<()> {
    let clinic = store
        .clinic_by_slug(&args.clinic)
        .await?
        .with_context(|| format!("no clinic with the address name {:?}", args.clinic))?;
    let email = args.email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 {
        bail!("{:?} is not an e-mail address", args.email);
    }
    let password = match &args.password_env {
        Some(var) => std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?,
        None => rpassword::prompt_password("Password: ").context("cannot read the password (use --password-env VAR when there is no terminal)")?,
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    let role = match args.role {
        Role::Owner => StaffRole::Owner,
        Role::Staff => StaffRole::Staff,
    };
    let id = store
        .create_staff(NewStaff { clinic_id: clinic.id, email: email.clone(), display_name: args.name, role, password_hash: hash_password(&password)? })
        .await?;
    tracing::info!(staff_id = %id, %email, role = role.as_str(), clinic = %clinic.slug, "staff account created");
    println!("created {} account {email} for {}", role.as_str(), clinic.slug);
    Ok(())
}

/// `line-settings`: connects a clinic to LINE from the command line (the owner can also do it in
/// the console's settings).
/// Secrets are read from environment variables, never from the command line (shell history).
pub async fn line_settings(store: &dyn Store, args: LineSettingsArgs) -> anyhow::Result<()> {
    let clinic = store
        .clinic_by_slug(&args.clinic)
        .await?
        .with_context(|| format!("no clinic with the address name {:?}", args.clinic))?;
    if args.remove {
        store.set_line_settings(clinic.id, None).await?;
        println!("{} now runs in sandbox mode (no LINE channels)", clinic.slug);
        return Ok(());
    }
    let secret = |var: &Option<String>| -> anyhow::Result<Option<String>> {
        var.as_ref().map(|v| std::env::var(v).with_context(|| format!("environment variable {v} is not set"))).transpose()
    };
    let (Some(liff_id), Some(login_channel_id)) = (args.liff_id, args.login_channel_id) else {
        bail!("--liff-id and --login-channel-id are required");
    };
    let settings = LineSettings {
        liff_id,
        login_channel_id,
        channel_secret: secret(&args.channel_secret_env)?,
        channel_access_token: secret(&args.access_token_env)?,
        add_friend_url: args.add_friend_url,
    };
    store.set_line_settings(clinic.id, Some(settings)).await?;
    tracing::info!(clinic = %clinic.slug, "LINE channels set");
    println!("{} is connected to LINE", clinic.slug);
    Ok(())
}
