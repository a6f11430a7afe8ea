//! Caps on subscriptions: per socket, per user, and sockets per user. Counted in this process
//! (a user who spreads sockets over replicas gets the caps on each), by guards that give their
//! place back when dropped: a subscription's guard lives in its stream, so a `complete`, a
//! finished stream or a closed socket all release it.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::Context;

use crate::{config::SubscriptionSettings, error::AppError};

/// Open sockets and subscriptions of each user on this replica.
#[derive(Default)]
pub struct OpenSubscriptions {
    per_user: Mutex<HashMap<i64, UserCounts>>,
}

#[derive(Default)]
struct UserCounts {
    sockets: usize,
    subscriptions: usize,
}

impl OpenSubscriptions {
    fn with_user<T>(&self, user_id: i64, change: impl FnOnce(&mut UserCounts) -> T) -> T {
        let mut per_user = self
            .per_user
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let counts = per_user.entry(user_id).or_default();
        let result = change(counts);
        if counts.sockets == 0 && counts.subscriptions == 0 {
            per_user.remove(&user_id);
        }
        result
    }

    /// Counts a socket of `user_id`, or refuses it past `SUBSCRIPTION_SOCKETS_PER_USER`.
    pub fn open_socket(
        self: &Arc<Self>,
        user_id: i64,
        settings: &SubscriptionSettings,
    ) -> Result<SocketGuard, AppError> {
        let limit = settings.sockets_per_user;
        self.with_user(user_id, |counts| {
            if counts.sockets >= limit {
                return Err(AppError::SubscriptionLimit {
                    limit,
                    what: "subscription sockets per user",
                });
            }
            counts.sockets += 1;
            Ok(())
        })?;
        Ok(SocketGuard {
            open: Arc::clone(self),
            user_id,
        })
    }
}

/// One counted socket of a user; uncounted when dropped.
pub struct SocketGuard {
    open: Arc<OpenSubscriptions>,
    user_id: i64,
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.open
            .with_user(self.user_id, |counts| counts.sockets -= 1);
    }
}

/// A socket's own count and its user's, kept in the socket's connection data.
pub struct SocketQuota {
    open: Arc<OpenSubscriptions>,
    user_id: Option<i64>,
    on_socket: Arc<AtomicUsize>,
    settings: SubscriptionSettings,
}

impl SocketQuota {
    pub fn new(
        open: Arc<OpenSubscriptions>,
        user_id: Option<i64>,
        settings: SubscriptionSettings,
    ) -> Self {
        Self {
            open,
            user_id,
            on_socket: Arc::default(),
            settings,
        }
    }

    /// Takes a place for one more subscription, or refuses past either cap.
    pub fn take(&self) -> Result<SubscriptionGuard, AppError> {
        let per_socket = self.settings.per_socket;
        let taken = self
            .on_socket
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < per_socket).then_some(n + 1)
            });
        if taken.is_err() {
            return Err(AppError::SubscriptionLimit {
                limit: per_socket,
                what: "subscriptions per socket",
            });
        }
        let mut guard = SubscriptionGuard {
            open: Arc::clone(&self.open),
            user_id: None,
            on_socket: Arc::clone(&self.on_socket),
        };
        if let Some(user_id) = self.user_id {
            let per_user = self.settings.per_user;
            self.open.with_user(user_id, |counts| {
                if counts.subscriptions >= per_user {
                    return Err(AppError::SubscriptionLimit {
                        limit: per_user,
                        what: "subscriptions per user",
                    });
                }
                counts.subscriptions += 1;
                Ok(())
            })?;
            guard.user_id = Some(user_id);
        }
        Ok(guard)
    }
}

/// One running subscription's place; given back when dropped.
pub struct SubscriptionGuard {
    open: Arc<OpenSubscriptions>,
    user_id: Option<i64>,
    on_socket: Arc<AtomicUsize>,
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.on_socket.fetch_sub(1, Ordering::SeqCst);
        if let Some(user_id) = self.user_id {
            self.open
                .with_user(user_id, |counts| counts.subscriptions -= 1);
        }
    }
}

/// A place for the subscription being resolved, from its socket's quota.
pub fn take(ctx: &Context<'_>) -> async_graphql::Result<SubscriptionGuard> {
    Ok(ctx.data::<SocketQuota>()?.take()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SubscriptionSettings {
        SubscriptionSettings {
            per_socket: 2,
            per_user: 3,
            sockets_per_user: 1,
        }
    }

    #[test]
    fn a_socket_holds_at_most_its_cap_and_gets_places_back() {
        let quota = SocketQuota::new(Arc::default(), None, settings());
        let first = quota.take().unwrap();
        let _second = quota.take().unwrap();
        assert!(matches!(
            quota.take(),
            Err(AppError::SubscriptionLimit { limit: 2, .. })
        ));
        drop(first);
        assert!(quota.take().is_ok());
    }

    #[test]
    fn a_user_holds_at_most_its_cap_across_sockets() {
        let open = Arc::new(OpenSubscriptions::default());
        let phone = SocketQuota::new(Arc::clone(&open), Some(7), settings());
        let laptop = SocketQuota::new(Arc::clone(&open), Some(7), settings());
        let _held = [
            phone.take().unwrap(),
            phone.take().unwrap(),
            laptop.take().unwrap(),
        ];
        assert!(matches!(
            laptop.take(),
            Err(AppError::SubscriptionLimit { limit: 3, .. })
        ));
        let other_user = SocketQuota::new(open, Some(8), settings());
        assert!(other_user.take().is_ok());
    }

    #[test]
    fn sockets_per_user_are_capped_until_one_closes() {
        let open = Arc::new(OpenSubscriptions::default());
        let socket = open.open_socket(7, &settings()).unwrap();
        assert!(open.open_socket(7, &settings()).is_err());
        drop(socket);
        assert!(!open.per_user.lock().unwrap().contains_key(&7));
        let _again = open.open_socket(7, &settings()).unwrap();
        assert!(open.per_user.lock().unwrap().contains_key(&7));
    }
}
