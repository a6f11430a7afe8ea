//! Builds the application once (database, cache, schema) and serves it.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_http::{HttpService, error::DispatchError};
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::{
    App, HttpServer,
    dev::{AppConfig, Server, ServerHandle},
    middleware, web,
};
use anyhow::Context as _;
use secrecy::ExposeSecret;

use crate::{
    auth::JwtKeys,
    cache::{Cache, RedisCache},
    config::{Settings, redact_url},
    db,
    events::EventBus,
    graphql::{DermagaSchema, Pipeline, ResponseStore, build_pipeline, build_schema},
    http::{self, HeadDeadline, SubscriptionHub},
    metrics::Metrics,
    service::auth::ensure_platform_admin,
    shutdown::Shutdown,
    state::AppContext,
    worker::{ImportRunner, ImportWake},
};

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    servers: Vec<Server>,
    context: AppContext,
    shutdown: Shutdown,
}

impl Application {
    /// Connects, migrates, and binds `HOST:PORT` (port 0 picks a free port), and
    /// `METRICS_ADDR` when set.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let shutdown = Shutdown::new(settings.shutdown_grace);
        Self::build_with(settings, shutdown).await
    }

    /// As [`Application::build`]; the servers and background tasks stop when `shutdown` is
    /// triggered (`cli` triggers it on SIGTERM and SIGINT).
    pub async fn build_with(settings: Settings, shutdown: Shutdown) -> anyhow::Result<Self> {
        let context = build_context(settings).await?;
        let settings = &context.settings;
        let listener = bind(&format!("{}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = match settings.http.metrics_addr {
            Some(address) => Some(bind(&address.to_string())?),
            None => None,
        };
        let metrics_port = match &metrics_listener {
            Some(listener) => Some(listener.local_addr()?.port()),
            None => None,
        };
        let responses = ResponseStore::new(context.cache.clone(), &settings.response_cache);
        let schema = build_schema(Some((context.clone(), responses.clone())));
        let pipeline = build_pipeline(context.clone(), responses.clone());
        let hub = SubscriptionHub {
            events: EventBus::start(&context.db),
            open: Arc::default(),
        };
        let mut servers = vec![serve(
            listener,
            context.clone(),
            (schema, pipeline),
            responses,
            hub,
            metrics_listener.is_none(),
        )?];
        if let Some(listener) = metrics_listener {
            servers.push(serve_metrics(listener, context.clone())?);
        }
        shutdown.spawn(sweep_idempotency_keys(context.db.clone(), shutdown.clone()));
        if settings.response_cache.enabled {
            shutdown.spawn(crate::service::catalogue::freshness::watch(
                context.db.clone(),
                context.cache.clone(),
                settings.response_cache.freshness_check,
                shutdown.token(),
            ));
        }
        if settings.worker.enabled {
            let worker = crate::worker::Worker::new(context.db.clone(), settings.worker.clone())?;
            let stop = shutdown.clone();
            shutdown.spawn(async move {
                worker.run(stop).await;
            });
        }
        if settings.imports.enabled {
            let runner = ImportRunner::new(
                context.db.clone(),
                context.cache.clone(),
                settings.imports.clone(),
                context.imports.clone(),
            );
            shutdown.spawn(runner.run(shutdown.token()));
        }
        tracing::info!(
            "dermaga listening on http://{}:{port}/graphql (database: {}, cache: {})",
            settings.host,
            settings.database_url_redacted(),
            context.cache.backend_name()
        );
        if let Some(address) = settings.http.metrics_addr {
            tracing::info!(
                "metrics on http://{}:{}/metrics",
                address.ip(),
                metrics_port.unwrap_or(0)
            );
        }
        Ok(Self {
            port,
            metrics_port,
            servers,
            context,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` listens on when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub fn context(&self) -> &AppContext {
        &self.context
    }

    /// The signal that stops this application.
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// Serves until the shutdown signal; then stops accepting, lets in-flight requests and
    /// background work finish within `SHUTDOWN_GRACE_SECONDS`, and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handles: Vec<ServerHandle> = self.servers.iter().map(Server::handle).collect();
        let stop = self.shutdown.clone();
        tokio::spawn(async move {
            stop.triggered().await;
            for handle in handles {
                tokio::spawn(async move { handle.stop(true).await });
            }
        });
        let mut running = tokio::task::JoinSet::new();
        for server in self.servers {
            running.spawn(server);
        }
        let mut served = Ok(());
        while let Some(result) = running.join_next().await {
            let result = result.unwrap_or_else(|err| Err(std::io::Error::other(err)));
            served = served.and(result);
            // A server that ended on its own (an error) takes the others and the background
            // tasks with it.
            self.shutdown.trigger();
        }
        if !self.shutdown.wait_for_tasks().await {
            tracing::warn!("background tasks did not stop within the grace period");
        }
        tracing::info!("dermaga stopped");
        served
    }
}

fn bind(address: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).with_context(|| format!("cannot listen on {address}"))
}

/// Connects the database (applying migrations) and the cache; creates the bootstrap admin.
pub async fn build_context(settings: Settings) -> anyhow::Result<AppContext> {
    let metrics = Arc::new(Metrics::default());
    let mut db = db::connect(&settings).await?;
    let mut catalogue_db = db::connect_catalogue(&settings, &db).await?;
    for pool in [&mut db, &mut catalogue_db] {
        let counter = Arc::clone(&metrics);
        pool.set_metric_callback(move |info| {
            counter.record_db_statement();
            if info.failed {
                tracing::debug!(sql = %info.statement.sql, "a database statement failed");
            }
        });
    }
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
            // The address is personal data: logs name the account by its role only.
            tracing::info!("created the bootstrap platform admin");
        }
    }
    Ok(AppContext {
        db,
        catalogue_db,
        cache,
        jwt: Arc::new(JwtKeys::new(&settings.jwt)),
        settings: Arc::new(settings),
        metrics,
        imports: ImportWake::default(),
        categories: Arc::default(),
    })
}

/// The shared cache: Redis when `REDIS_URL` is set, else this process's memory.
pub async fn connect_cache(settings: &Settings) -> anyhow::Result<Cache> {
    let cache = match &settings.redis_url {
        Some(url) => {
            let redis = RedisCache::connect(url.expose_secret(), settings.redis_timeout)
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
    Ok(cache.with_cdn_purges(settings.worker.cdn_purge.is_some()))
}

/// The public server. Built from actix-server and actix-http rather than `HttpServer` so that
/// each connection's socket is wrapped in [`HeadDeadline`]: `HttpServer` offers no such hook,
/// and times the head of a connection's first request only.
fn serve(
    listener: TcpListener,
    context: AppContext,
    (schema, pipeline): (DermagaSchema, Pipeline),
    responses: ResponseStore,
    hub: SubscriptionHub,
    public_metrics: bool,
) -> anyhow::Result<Server> {
    let http = context.settings.http.clone();
    let workers = context.settings.http_workers.max(1);
    let grace = context.settings.shutdown_grace;
    let local_address = listener.local_addr()?;
    let context = web::Data::new(context);
    let schema = web::Data::new(schema);
    let pipeline = web::Data::new(pipeline);
    let responses = web::Data::new(responses);
    let hub = web::Data::new(hub);
    let builder = Server::build();
    let draining = builder.graceful_shutdown_signal();
    let server = builder
        .workers(workers)
        .shutdown_timeout(whole_seconds(grace))
        // `cli` handles the signals, so the background tasks stop together with the server.
        .disable_signals()
        .listen("dermaga", listener, move || {
            let app = App::new()
                .wrap(middleware::Compress::default())
                .wrap(middleware::Condition::new(
                    !http.cors_allowed_origins.is_empty(),
                    http::cors(&http.cors_allowed_origins),
                ))
                .app_data(context.clone())
                .app_data(schema.clone())
                .app_data(pipeline.clone())
                .app_data(responses.clone())
                .app_data(hub.clone())
                .app_data(web::PayloadConfig::new(1024 * 1024))
                .app_data(web::JsonConfig::default().limit(1024 * 1024))
                .configure(http::routes)
                .configure(|config| {
                    if public_metrics {
                        http::metrics_routes(config);
                    }
                });
            let app = app
                .into_factory()
                .map_err(|err: actix_web::Error| err.error_response());
            let draining = draining.clone();
            let service = HttpService::build()
                // Idle kept-alive connections close at once when the server stops.
                .graceful_shutdown_signal(move || {
                    let draining = draining.clone();
                    async move { draining.notified().await }
                })
                // The same limit as each head's, plus a second: `HeadDeadline` answers first
                // (with a code) once a byte came; this closes connections that send none.
                .client_request_timeout(http.header_timeout + Duration::from_secs(1))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(local_address)
                .h1(map_config(app, |_| AppConfig::default()));
            let head_limit = http.header_timeout;
            fn_service(move |socket: tokio::net::TcpStream| {
                let peer = socket.peer_addr().ok();
                std::future::ready(Ok::<_, DispatchError>((
                    HeadDeadline::new(socket, head_limit),
                    peer,
                )))
            })
            .and_then(service)
        })?
        .run();
    Ok(server)
}

/// `/metrics` alone, on `METRICS_ADDR`.
fn serve_metrics(listener: TcpListener, context: AppContext) -> anyhow::Result<Server> {
    let timeout = context.settings.http.header_timeout;
    let grace = context.settings.shutdown_grace;
    let context = web::Data::new(context);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(context.clone())
            .configure(http::metrics_routes)
    })
    .workers(1)
    .client_request_timeout(timeout)
    .shutdown_timeout(whole_seconds(grace))
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs_f64().ceil() as u64
}

/// Every ten minutes, deletes the idempotency keys older than their 24 hours; stops with the
/// application.
async fn sweep_idempotency_keys(db: sea_orm::DatabaseConnection, shutdown: Shutdown) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tokio::select! {
            () = shutdown.triggered() => return,
            _ = every.tick() => {}
        }
        if let Err(err) = crate::service::idempotency::sweep(&db).await {
            tracing::warn!(error = %err, "could not sweep expired idempotency keys");
        }
    }
}
