use tracing_subscriber::{EnvFilter, fmt};

/// Logs to stdout, filtered by `RUST_LOG` (default `info`), so that stderr carries only
/// the one-line reason of a failed start.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .with_target(false)
        .try_init();
}
