//! The one `LISTEN` connection of a process, taken from the pool for good.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgListener};

use super::{CHANNEL, Event, EventBus, parse};

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LONGEST_RETRY: Duration = Duration::from_secs(5);

/// Listens until the pool closes. A lost connection is replaced (with a growing pause while the
/// database stays away); notifications sent meanwhile are lost, so every reconnection tells the
/// subscribers to re-read once.
pub(super) async fn listen(pool: PgPool, bus: EventBus) {
    let mut retry = FIRST_RETRY;
    let mut first = true;
    loop {
        let mut listener = match connect(&pool).await {
            Ok(listener) => listener,
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for change events; retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LONGEST_RETRY);
                continue;
            }
        };
        if !first {
            tracing::info!("listening for change events again");
            bus.publish(Event::Resync);
        }
        first = false;
        retry = FIRST_RETRY;
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    for event in parse(notification.payload()) {
                        bus.publish(event);
                    }
                }
                // The connection dropped and sqlx already listens again on a new one.
                Ok(None) => bus.publish(Event::Resync),
                Err(sqlx::Error::PoolClosed) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "lost the change-event listener; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
