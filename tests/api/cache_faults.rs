//! Redis faults other than a clean outage, on two replicas: Redis refusing writes (out of
//! memory, a read-only replica), hanging, and a blip during a write. None of them may serve a
//! response older than a write for longer than the bound the README states (two freshness
//! checks), and no request may wait on Redis longer than its budget.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{
    cache_redis::LocalRedis,
    cache_tags::{DETAIL, Listed, adjust_stock, anonymous, create_listed, stock},
    helpers::*,
};

/// Fast checks, so the bound is short enough to wait for in a test.
const CHECK_MS: u64 = 200;
/// Each Redis call's budget in these tests.
const BUDGET_MS: &str = "100";
/// The bound: two checks, plus room for a loaded machine to schedule them.
const BOUND: Duration = Duration::from_millis(2 * CHECK_MS + 1_300);

struct Pair {
    first: TestApp,
    second: TestApp,
    tenant: Tenant,
    product: Listed,
}

async fn pair(redis: &LocalRedis) -> Pair {
    let check = CHECK_MS.to_string();
    let first = spawn_app_with(&[
        ("REDIS_URL", &redis.url()),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("CACHE_FRESHNESS_CHECK_MS", &check),
        ("REDIS_TIMEOUT_MS", BUDGET_MS),
    ])
    .await;
    let second = first.spawn_replica().await;
    let tenant = first.tenant("faults").await;
    let product = create_listed(&first, &tenant, "keripik-camilan", "FAULT-1").await;
    Pair {
        first,
        second,
        tenant,
        product,
    }
}

impl Pair {
    async fn stock_on(&self, app: &TestApp) -> (String, i64) {
        let (cache, body) = anonymous(app, DETAIL, json!({ "id": self.product.id })).await;
        (cache, stock(&body))
    }

    /// Caches the detail on both replicas. A loaded machine may take a Redis call past its
    /// budget and skip Redis for a moment: the entry is shared once it answers in time.
    async fn warm(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            self.stock_on(&self.first).await;
            if self.stock_on(&self.second).await.0 == "HIT" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the replicas never shared the entry");
    }

    /// Waits until `app` shows `expected` stock; how long that took.
    async fn time_until_seen(&self, app: &TestApp, expected: i64) -> Duration {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.stock_on(app).await.1 == expected {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the write was still hidden after 10 s");
    }

    /// Waits until the detail is a hit again on `app`.
    async fn caching_resumes_on(&self, app: &TestApp) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.stock_on(app).await.0 == "HIT" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("caching did not resume");
    }
}

async fn redis_command(redis: &LocalRedis, args: &[&str]) {
    let mut connection = redis::Client::open(redis.url())
        .expect("a Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("the test connects to its Redis");
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    let _: redis::Value = command
        .query_async(&mut connection)
        .await
        .unwrap_or_else(|err| panic!("{args:?}: {err}"));
}

/// A write whose invalidation Redis refuses: the writing replica serves it at once, the other
/// within the bound, and caching resumes once Redis accepts writes again.
async fn refused_write(refuse: &[&[&str]], accept: &[&[&str]]) {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let pair = pair(&redis).await;
    pair.warm().await;
    for command in refuse {
        redis_command(&redis, command).await;
    }

    adjust_stock(&pair.first, &pair.tenant, &pair.product.variant, 4).await;

    assert_eq!(
        pair.stock_on(&pair.first).await.1,
        9,
        "the writer's replica"
    );
    let hidden_for = pair.time_until_seen(&pair.second, 9).await;
    assert!(hidden_for < BOUND, "hidden for {hidden_for:?}");
    // Redis still refuses: nothing older comes back.
    tokio::time::sleep(Duration::from_millis(3 * CHECK_MS)).await;
    assert_eq!(pair.stock_on(&pair.second).await.1, 9);

    for command in accept {
        redis_command(&redis, command).await;
    }
    pair.caching_resumes_on(&pair.second).await;
    assert_eq!(pair.stock_on(&pair.second).await.1, 9);
}

#[tokio::test]
async fn a_write_redis_refuses_for_want_of_memory_is_never_hidden_beyond_the_bound() {
    refused_write(
        &[
            &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
            &["CONFIG", "SET", "maxmemory", "1"],
        ],
        &[&["CONFIG", "SET", "maxmemory", "0"]],
    )
    .await;
}

#[tokio::test]
async fn a_write_a_read_only_redis_refuses_is_never_hidden_beyond_the_bound() {
    // A replica of a master that does not answer: it keeps its data and refuses writes.
    refused_write(
        &[&["REPLICAOF", "127.0.0.1", "9"]],
        &[&["REPLICAOF", "NO", "ONE"]],
    )
    .await;
}

#[tokio::test]
async fn a_hanging_redis_costs_no_request_more_than_its_budget() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let pair = pair(&redis).await;
    pair.warm().await;

    redis.pause(Duration::from_secs(4));
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(3_000) {
        let asked = Instant::now();
        let (_, stock) = pair.stock_on(&pair.second).await;
        slowest = slowest.max(asked.elapsed());
        assert_eq!(stock, 5);
    }

    // 100 ms on Redis at most, the rest is the database and the test's own client (a loaded
    // machine's). Before the budget, each request waited 2 s.
    assert!(slowest < Duration::from_millis(1_000), "{slowest:?}");
}

#[tokio::test]
async fn a_write_during_a_redis_blip_is_seen_on_the_other_replica_within_a_check_of_its_return() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let pair = pair(&redis).await;
    pair.warm().await;

    redis.pause(Duration::from_secs(1));
    adjust_stock(&pair.first, &pair.tenant, &pair.product.variant, -1).await;
    let written = Instant::now();
    assert_eq!(pair.stock_on(&pair.first).await.1, 4);
    assert_eq!(
        pair.stock_on(&pair.second).await.1,
        4,
        "Redis is away: a miss"
    );

    let hidden_for = pair.time_until_seen(&pair.second, 4).await;
    assert!(hidden_for < BOUND, "hidden for {hidden_for:?}");
    tokio::time::sleep(Duration::from_secs(1).saturating_sub(written.elapsed())).await;
    for _ in 0..10 {
        assert_eq!(
            pair.stock_on(&pair.second).await.1,
            4,
            "after Redis is back"
        );
        tokio::time::sleep(Duration::from_millis(CHECK_MS / 2)).await;
    }
    pair.caching_resumes_on(&pair.second).await;
}

/// Redis evicting the change log while its state stays: a read that finds nothing new takes
/// the state's word for it, and the next publish starts a new epoch, so a query after the
/// write sees it on the other replica at once.
#[tokio::test]
async fn a_change_log_evicted_by_redis_hides_no_later_write() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let pair = pair(&redis).await;
    pair.warm().await;
    redis_command(
        &redis,
        &[
            "EVAL",
            "for _, key in ipairs(redis.call('KEYS', '*catalogue:log')) do redis.call('DEL', key) end",
            "0",
        ],
    )
    .await;
    assert_eq!(
        pair.stock_on(&pair.second).await,
        ("HIT".to_owned(), 5),
        "nothing changed yet"
    );

    adjust_stock(&pair.first, &pair.tenant, &pair.product.variant, 2).await;

    assert_eq!(pair.stock_on(&pair.second).await.1, 7);
    assert_eq!(pair.stock_on(&pair.first).await.1, 7);
    pair.caching_resumes_on(&pair.second).await;
}
