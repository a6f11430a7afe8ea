//! Builds the application once (database, cache, schema) and serves it.

use std::{net::TcpListener, sync::Arc};

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context as _;
use secrecy::ExposeSecret;

use crate::{
    auth::JwtKeys,
    cache::{Cache, RedisCache},
    config::{Settings, redact_url},
    db,
    events::{self, Event, EventBus},
    graphql::{DermagaSchema, ResponseStore, build_schema},
    http::{self, SubscriptionHub},
    metrics::Metrics,
    service::auth::ensure_platform_admin,
    state::AppContext,
};

pub struct Application {
    port: u16,
    server: Server,
    context: AppContext,
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
        let hub = SubscriptionHub {
            events: EventBus::start(&context.db),
            open: Arc::default(),
        };
        let server = serve(
            listener,
            context.clone(),
            schema,
            hub,
            settings.http_workers,
        )?;
        tokio::spawn(sweep_abandoned_imports(context.db.clone()));
        if settings.worker.enabled {
            crate::worker::Worker::new(context.db.clone(), settings.worker.clone())?.spawn();
        }
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
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn context(&self) -> &AppContext {
        &self.context
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
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
    let cache = match &settings.redis_url {
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
    };
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
    })
}

fn serve(
    listener: TcpListener,
    context: AppContext,
    schema: DermagaSchema,
    hub: SubscriptionHub,
    workers: usize,
) -> anyhow::Result<Server> {
    let context = web::Data::new(context);
    let schema = web::Data::new(schema);
    let hub = web::Data::new(hub);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::Compress::default())
            .app_data(context.clone())
            .app_data(schema.clone())
            .app_data(hub.clone())
            .app_data(web::PayloadConfig::new(1024 * 1024))
            .app_data(web::JsonConfig::default().limit(1024 * 1024))
            .configure(http::routes)
    })
    .workers(workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}

/// Every minute, fails import jobs whose processing task died with a server.
async fn sweep_abandoned_imports(db: sea_orm::DatabaseConnection) {
    let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match crate::service::imports::fail_abandoned(&db).await {
            Ok(0) => {}
            // The sweep names no job: their subscribers re-read.
            Ok(_) => {
                if let Err(err) = events::notify(&db, &[Event::Resync]).await {
                    tracing::warn!(error = %err, "could not announce the swept import jobs");
                }
            }
            Err(err) => tracing::warn!(error = %err, "could not sweep abandoned import jobs"),
        }
    }
}
