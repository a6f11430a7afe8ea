//! What the `dermaga` binary's subcommands do; `src/main.rs` only parses the command line.

use anyhow::Context as _;

use crate::{
    config::Settings,
    db, demo, graphql,
    service::auth::ensure_platform_admin,
    startup::{Application, build_context},
};

/// `dermaga` and `dermaga --demo`: serve the API (after loading the demo data set).
pub async fn serve(demo_mode: bool) -> anyhow::Result<()> {
    let settings = load_settings(demo_mode)?;
    if demo_mode {
        let context = build_context(settings.clone()).await?;
        let summary = demo::load(&context)
            .await
            .context("cannot load the demo data")?;
        summary.print(&settings);
    }
    let application = Application::build(settings).await?;
    application
        .run_until_stopped()
        .await
        .context("the server stopped with an error")
}

/// `dermaga worker`: deliver queued listings to partner channels and run import jobs until
/// stopped; run as many copies as needed.
pub async fn worker() -> anyhow::Result<()> {
    let settings = load_settings(false)?;
    let connection = db::connect(&settings).await?;
    db::migrate(&connection).await?;
    let cache = crate::startup::connect_cache(&settings).await?;
    tracing::info!(database = %settings.database_url_redacted(), "dermaga worker started");
    let stop = tokio_util::sync::CancellationToken::new();
    let imports = crate::worker::ImportRunner::new(
        connection.clone(),
        cache,
        settings.imports.clone(),
        crate::worker::ImportWake::default(),
    )
    .spawn(stop.clone());
    let worker = crate::worker::Worker::new(connection, settings.worker.clone())?;
    let stopped = tokio::select! {
        () = worker.run() => Ok(()),
        signal = tokio::signal::ctrl_c() => {
            signal.context("cannot listen for Ctrl-C")?;
            tracing::info!("dermaga worker stopping; claimed jobs return when their lease ends");
            Ok(())
        }
    };
    stop.cancel();
    let _ = imports.await;
    stopped
}

/// `dermaga migrate`: apply pending migrations and exit.
pub async fn migrate() -> anyhow::Result<()> {
    let settings = load_settings(false)?;
    let connection = db::connect(&settings).await?;
    db::migrate(&connection).await?;
    println!("migrations applied to {}", settings.database_url_redacted());
    Ok(())
}

/// `dermaga create-admin`: create a platform admin login.
pub async fn create_admin(email: &str, password: &str) -> anyhow::Result<()> {
    let settings = load_settings(false)?;
    let connection = db::connect(&settings).await?;
    db::migrate(&connection).await?;
    let created = ensure_platform_admin(&connection, email, password)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if created {
        println!("created platform admin {email}");
    } else {
        println!("a login with the e-mail {email} already exists; nothing changed");
    }
    Ok(())
}

/// `dermaga seed`: a large synthetic catalogue for benchmarks.
pub async fn seed(plan: crate::seed::SeedPlan) -> anyhow::Result<()> {
    let settings = load_settings(false)?;
    let connection = db::connect(&settings).await?;
    db::migrate(&connection).await?;
    let report = crate::seed::run(&connection, plan).await?;
    println!("{report}");
    Ok(())
}

/// `dermaga print-schema`: the GraphQL SDL, as committed in `api/schema.graphql`.
pub fn print_schema() {
    print!("{}", graphql::sdl());
}

fn load_settings(demo_mode: bool) -> anyhow::Result<Settings> {
    crate::telemetry::init();
    let vars = std::env::vars().collect();
    Ok(Settings::from_vars(vars, demo_mode)?)
}
