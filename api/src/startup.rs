//! Builds the application once (database, cache, schema) and serves it.

use std::{net::TcpListener, sync::Arc};

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context as _;
use secrecy::ExposeSecret;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::JwtKeys,
    cache::{Cache, RedisCache},
    config::{Settings, redact_url},
    db,
    graphql::{DermagaSchema, ResponseStore, build_schema},
    http,
    metrics::Metrics,
    service::auth::ensure_platform_admin,
    state::AppContext,
    worker::{ImportRunner, ImportWake},
};

pub struct Application {
    port: u16,
    server: Server,
    context: AppContext,
    /// Stops the background tasks (the import runner, the sweeps) once the server stopped.
    background: CancellationToken,
    import_runner: Option<JoinHandle<()>>,
}

impl Application {
    /// Connects, migrates, and binds `HOST:PORT` (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let context = build_context(settings).await?;
        let settings = &context.settings;
        let address = format!("{}:{}", settings.host, settings.port);
        let listener =
            TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
        let port = listener.local_addr()?.port();
        let schema = build_schema(Some(context.clone()));
        let server = serve(listener, context.clone(), schema, settings.http_workers)?;
        let background = CancellationToken::new();
        tokio::spawn(sweep_idempotency_keys(
            context.db.clone(),
            background.clone(),
        ));
        if settings.worker.enabled {
            crate::worker::Worker::new(context.db.clone(), settings.worker.clone())?.spawn();
        }
        let import_runner = settings.imports.enabled.then(|| {
            ImportRunner::new(
                context.db.clone(),
                context.cache.clone(),
                settings.imports.clone(),
                context.imports.clone(),
            )
            .spawn(background.clone())
        });
        tracing::info!(
            "dermaga listening on http://{}:{port}/graphql (database: {}, cache: {})",
            settings.host,
            settings.database_url_redacted(),
            context.cache.backend_name()
        );
        Ok(Self {
            port,
            server,
            context,
            background,
            import_runner,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn context(&self) -> &AppContext {
        &self.context
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests and gives back the import
    /// job being run.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.background.cancel();
        if let Some(runner) = self.import_runner {
            let _ = runner.await;
        }
        served
    }
}

/// Connects the database (applying migrations) and the cache; creates the bootstrap admin.
pub async fn build_context(settings: Settings) -> anyhow::Result<AppContext> {
    let metrics = Arc::new(Metrics::default());
    let mut db = db::connect(&settings).await?;
    let counter = Arc::clone(&metrics);
    db.set_metric_callback(move |info| {
        counter.record_db_statement();
        if info.failed {
            tracing::debug!(sql = %info.statement.sql, "a database statement failed");
        }
    });
    db::migrate(&db).await?;
    crate::service::categories::ensure_default_tree(&db)
        .await
        .map_err(|err| anyhow::anyhow!("cannot create the default categories: {err}"))?;
    let cache = connect_cache(&settings).await?;
    if let Some(admin) = &settings.bootstrap_admin {
        let created = ensure_platform_admin(&db, &admin.email, admin.password.expose_secret())
            .await
            .map_err(|err| anyhow::anyhow!("cannot create the bootstrap admin: {err}"))?;
        if created {
            tracing::info!(email = %admin.email, "created the bootstrap platform admin");
        }
    }
    Ok(AppContext {
        db,
        responses: ResponseStore::new(cache.clone(), &settings.response_cache),
        cache,
        jwt: Arc::new(JwtKeys::new(&settings.jwt)),
        settings: Arc::new(settings),
        metrics,
        imports: ImportWake::default(),
    })
}

/// The shared cache: Redis when `REDIS_URL` is set, else this process's memory.
pub async fn connect_cache(settings: &Settings) -> anyhow::Result<Cache> {
    Ok(match &settings.redis_url {
        Some(url) => {
            let redis = RedisCache::connect(url.expose_secret())
                .await
                .with_context(|| {
                    format!(
                        "cannot connect to Redis at {}",
                        redact_url(url.expose_secret())
                    )
                })?;
            Cache::redis(redis, settings.cache_key_prefix.clone())
        }
        None => Cache::memory(settings.cache_key_prefix.clone()),
    })
}

fn serve(
    listener: TcpListener,
    context: AppContext,
    schema: DermagaSchema,
    workers: usize,
) -> anyhow::Result<Server> {
    let context = web::Data::new(context);
    let schema = web::Data::new(schema);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::Compress::default())
            .app_data(context.clone())
            .app_data(schema.clone())
            .app_data(web::PayloadConfig::new(1024 * 1024))
            .app_data(web::JsonConfig::default().limit(1024 * 1024))
            .configure(http::routes)
    })
    .workers(workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}

/// Every ten minutes, deletes the idempotency keys older than their 24 hours.
async fn sweep_idempotency_keys(db: sea_orm::DatabaseConnection, stop: CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        if let Err(err) = crate::service::idempotency::sweep(&db).await {
            tracing::warn!(error = %err, "could not sweep expired idempotency keys");
        }
    }
}
