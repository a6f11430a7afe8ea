//! What the `dermaga` binary's subcommands do; `src/main.rs` only parses the command line.

use anyhow::Context as _;

use crate::{
    config::Settings,
    db, demo, graphql,
    service::auth::ensure_platform_admin,
    shutdown::Shutdown,
    startup::{Application, build_context},
};

/// `dermaga` and `dermaga --demo`: serve the API (after loading the demo data set) until
/// SIGTERM or SIGINT, then stop cleanly within `SHUTDOWN_GRACE_SECONDS`.
pub async fn serve(demo_mode: bool) -> anyhow::Result<()> {
    let settings = load_settings(demo_mode)?;
    let shutdown = stop_on_signals(&settings)?;
    if demo_mode {
        let context = build_context(settings.clone()).await?;
        let summary = demo::load(&context.db)
            .await
            .context("cannot load the demo data")?;
        summary.print(&settings);
    }
    let application = Application::build_with(settings, shutdown).await?;
    application
        .run_until_stopped()
        .await
        .context("the server stopped with an error")
}

/// `dermaga worker`: deliver queued listings to partner channels and run import jobs until
/// SIGTERM or SIGINT; run as many copies as needed. Stopping, it finishes the deliveries in
/// flight within `SHUTDOWN_GRACE_SECONDS`, hands back the rest and gives back the import job
/// it runs after its current batch.
pub async fn worker() -> anyhow::Result<()> {
    let settings = load_settings(false)?;
    let shutdown = stop_on_signals(&settings)?;
    let connection = db::connect(&settings).await?;
    db::migrate(&connection).await?;
    let cache = crate::startup::connect_cache(&settings).await?;
    tracing::info!(database = %settings.database_url_redacted(), "dermaga worker started");
    let imports = crate::worker::ImportRunner::new(
        connection.clone(),
        cache,
        settings.imports.clone(),
        crate::worker::ImportWake::default(),
    );
    let stop = shutdown.token();
    shutdown.spawn(imports.run(stop));
    let worker = crate::worker::Worker::new(connection, settings.worker.clone())?;
    worker.run(shutdown.clone()).await;
    if !shutdown.wait_for_tasks().await {
        tracing::warn!("the import runner did not stop within the grace period");
    }
    Ok(())
}

/// The process's stop signal, triggered by SIGTERM and SIGINT from now on.
fn stop_on_signals(settings: &Settings) -> anyhow::Result<Shutdown> {
    let shutdown = Shutdown::new(settings.shutdown_grace);
    shutdown
        .listen_for_signals()
        .context("cannot listen for SIGTERM and SIGINT")?;
    Ok(shutdown)
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
