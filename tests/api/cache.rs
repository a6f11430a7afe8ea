//! The response cache: anonymous queries answered from the cache, never touching the database;
//! invalidated by writes, across replicas.

use serde_json::{Value, json};

use crate::{
    cache_redis::{LocalRedis, shared_redis},
    cache_tags::{DETAIL, adjust_stock, create_listed, stock},
    helpers::*,
};

async fn detail_anonymously(app: &TestApp, variables: Value) -> (String, Value) {
    crate::cache_tags::anonymous(app, DETAIL, variables).await
}

const CATEGORIES: &str = "query Tree { categories { id slug name children { id name } } }";

async fn anonymous(app: &TestApp, query: &str) -> (Option<String>, Value) {
    let response = app
        .post_graphql(&json!({ "query": query, "operationName": "Tree" }), None)
        .await;
    let cache = response
        .headers()
        .get("x-cache")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (cache, response.json().await.expect("a JSON body"))
}

/// Makes the categories table unreachable: any statement on it now fails.
async fn hide_categories(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("ALTER TABLE categories RENAME TO categories_hidden")
        .await
        .expect("the table can be renamed");
}

#[tokio::test]
async fn a_repeated_anonymous_query_is_answered_without_the_database() {
    let app = spawn_app().await;
    let (first_cache, first) = anonymous(&app, CATEGORIES).await;
    assert_eq!(first_cache.as_deref(), Some("MISS"), "{first}");
    assert!(first["errors"].is_null(), "{first}");

    hide_categories(&app).await;
    // The same query, laid out differently.
    let (cache, body) = anonymous(
        &app,
        "query Tree {\n  categories { id, slug, name\n children { id name } } # again\n}",
    )
    .await;

    assert_eq!(cache.as_deref(), Some("HIT"));
    assert_eq!(body["data"], first["data"]);
}

#[tokio::test]
async fn a_query_the_cache_has_not_seen_goes_to_the_database() {
    let app = spawn_app().await;
    anonymous(&app, CATEGORIES).await;
    hide_categories(&app).await;

    let (_, body) = anonymous(&app, "query Tree { categories { id } }").await;

    assert_eq!(error_code(&body), "INTERNAL", "{body}");
}

#[tokio::test]
async fn authenticated_callers_are_never_served_from_the_cache() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    anonymous(&app, CATEGORIES).await;
    hide_categories(&app).await;

    let body = app
        .graphql(CATEGORIES, json!({}), Some(&admin.access_token))
        .await;

    assert_eq!(error_code(&body), "INTERNAL", "{body}");
}

#[tokio::test]
async fn responses_with_errors_are_not_cached() {
    let app = spawn_app().await;
    let query = "query Tree { categories { id } me { email } }";
    let (_, first) = anonymous(&app, query).await;
    assert!(!first["errors"].is_null(), "{first}");

    let (cache, _) = anonymous(&app, query).await;

    assert_eq!(cache.as_deref(), Some("MISS"));
}

#[tokio::test]
async fn the_response_cache_can_be_switched_off() {
    let app = spawn_app_with(&[("RESPONSE_CACHE", "false")]).await;
    anonymous(&app, CATEGORIES).await;

    let (cache, body) = anonymous(&app, CATEGORIES).await;

    assert_eq!(cache, None);
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn a_mutation_drops_the_cached_responses_that_show_what_it_changed() {
    let app = spawn_app().await;
    let tenant = app.tenant("invalidates").await;
    let product = create_listed(&app, &tenant, "kopi-teh", "INV-1").await;
    let variables = json!({ "id": product.id });
    detail_anonymously(&app, variables.clone()).await;
    assert_eq!(detail_anonymously(&app, variables.clone()).await.0, "HIT");

    adjust_stock(&app, &tenant, &product.variant, 2).await;
    let (cache, body) = detail_anonymously(&app, variables).await;

    assert_eq!(cache, "MISS");
    assert_eq!(stock(&body), 7, "{body}");
}

#[tokio::test]
async fn logging_in_keeps_cached_responses() {
    let app = spawn_app().await;
    anonymous(&app, CATEGORIES).await;

    app.admin().await;
    let (cache, _) = anonymous(&app, CATEGORIES).await;

    assert_eq!(cache.as_deref(), Some("HIT"));
}

/// Two replicas sharing one Redis: the environment's, or one the test starts (kept alive by the
/// returned handle); `None` when the test is skipped for want of a Redis.
async fn two_replicas() -> Option<(Option<LocalRedis>, TestApp, TestApp)> {
    let (local, url) = shared_redis().await?;
    // The floods below are one client address: rate limiting is not what these tests measure.
    let first = spawn_app_with(&[("REDIS_URL", &url), ("RATE_LIMIT_PER_MINUTE", "0")]).await;
    let second = first.spawn_replica().await;
    Some((local, first, second))
}

/// Concurrent lookups share reads of the change log (the ordering itself is tested in
/// `cache::freshness`): with other lookups in flight on one replica, a query that follows a
/// write through the other replica still sees the write.
#[tokio::test]
async fn a_query_after_a_write_sees_it_while_other_lookups_are_in_flight() {
    let Some((_redis, first, second)) = two_replicas().await else {
        return;
    };
    let tenant = first.tenant("flood").await;
    let product = create_listed(&first, &tenant, "kopi-teh", "FLOOD-1").await;
    let variables = json!({ "query": DETAIL, "variables": { "id": product.id } });
    detail_anonymously(&first, variables["variables"].clone()).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (client, address, stop) = (first.client.clone(), first.address.clone(), stop.clone());
        let body = variables.clone();
        flood.spawn(async move {
            let mut served = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let response = client
                    .post(format!("{address}/graphql"))
                    .json(&body)
                    .send()
                    .await
                    .expect("the server answers");
                let status = response.status();
                assert!(status.is_success(), "{status}: {:?}", response.text().await);
                served += 1;
            }
            served
        });
    }

    for round in 1..=5 {
        adjust_stock(&second, &tenant, &product.variant, 1).await;
        let (_, on_first) = detail_anonymously(&first, variables["variables"].clone()).await;
        assert_eq!(stock(&on_first), 5 + round, "round {round}: {on_first}");
    }

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut served = 0;
    while let Some(count) = flood.join_next().await {
        served += count.expect("the flood ran");
    }
    assert!(served > 20, "the other lookups did run: {served}");
}

/// Each replica keeps the responses it served: it answers from that copy once the shared one
/// is gone, but only until something the response shows changes.
#[tokio::test]
async fn a_replica_answers_from_its_own_copy_only_while_it_holds() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let first = spawn_app_with(&[("REDIS_URL", &redis.url())]).await;
    let second = first.spawn_replica().await;
    let tenant = first.tenant("near-copy").await;
    let product = create_listed(&first, &tenant, "kopi-teh", "NEAR-1").await;
    let variables = json!({ "id": product.id });
    let (_, computed) = detail_anonymously(&first, variables.clone()).await;
    let mut connection = redis::Client::open(redis.url())
        .expect("a Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("the test connects to its Redis");
    let deleted: i64 = redis::cmd("EVAL")
        .arg("local keys = redis.call('KEYS', '*gql:*') for _, key in ipairs(keys) do redis.call('DEL', key) end return #keys")
        .arg(0)
        .query_async(&mut connection)
        .await
        .expect("the cached responses can be deleted");
    assert!(deleted >= 1, "the detail was cached");

    let (cache, from_memory) = detail_anonymously(&first, variables.clone()).await;
    assert_eq!(cache, "HIT", "{from_memory}");
    assert_eq!(from_memory["data"], computed["data"]);
    let (elsewhere, _) = detail_anonymously(&second, variables.clone()).await;
    assert_eq!(elsewhere, "MISS", "only the first replica had a copy");

    adjust_stock(&second, &tenant, &product.variant, 1).await;
    let (cache, after_write) = detail_anonymously(&first, variables).await;
    assert_eq!(cache, "MISS");
    assert_eq!(stock(&after_write), 6, "{after_write}");
}

#[tokio::test]
async fn a_committed_import_drops_the_lists_its_products_entered() {
    use crate::imports::{start_import, wait_for_job};
    let app = spawn_app().await;
    let tenant = app.tenant("cache-import").await;
    const ALL: &str = "{ products(first: 5) { totalCount } }";
    let (_, before) = crate::cache_tags::anonymous(&app, ALL, json!({})).await;
    assert_eq!(before["data"]["products"]["totalCount"], 0, "{before}");
    let mut csv = String::from(
        "product_handle,seller_phone,title,description,category,halal,status,sku,variant_name,\
         options,price,stock,weight_grams,image_urls\n",
    );
    for row in 0..3 {
        csv.push_str(&format!(
            "k{row},0812-3456-7890,Keripik {row},Renyah,keripik-camilan,true,ACTIVE,IMP-{row},,,\
             12000,4,200,\n"
        ));
    }

    let id = start_import(&app, &tenant.staff, "importProducts", csv.as_bytes()).await;
    let job = wait_for_job(&app, &tenant.staff, &id).await;
    let (cache, after) = crate::cache_tags::anonymous(&app, ALL, json!({})).await;

    assert_eq!(cache, "MISS", "{job}");
    assert_eq!(after["data"]["products"]["totalCount"], 3, "{job} {after}");
}

#[tokio::test]
async fn hits_and_misses_are_counted_in_the_metrics() {
    let app = spawn_app().await;
    anonymous(&app, CATEGORIES).await;
    anonymous(&app, CATEGORIES).await;

    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a text body");

    assert!(metrics.contains("dermaga_cache_hits_total 1"), "{metrics}");
    assert!(
        metrics.contains("dermaga_cache_misses_total 1"),
        "{metrics}"
    );
}

/// A hit is answered before the query is parsed: it must still look exactly like an executed
/// response — same data, the query's cost, an ETag that matches the miss's, and 304 for it.
#[tokio::test]
async fn a_hit_over_get_carries_the_cost_and_the_same_etag_as_the_miss() {
    let app = spawn_app().await;
    let get = |if_none_match: Option<String>| {
        let mut request = app
            .client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", CATEGORIES), ("operationName", "Tree")]);
        if let Some(tag) = if_none_match {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };

    let miss = get(None).await.unwrap();
    let (miss_cache, miss_tag) = (header(&miss, "x-cache"), header(&miss, "etag"));
    let miss_body: Value = miss.json().await.unwrap();
    let hit = get(None).await.unwrap();
    let (hit_cache, hit_tag) = (header(&hit, "x-cache"), header(&hit, "etag"));
    let hit_body: Value = hit.json().await.unwrap();

    assert_eq!(miss_cache.as_deref(), Some("MISS"), "{miss_body}");
    assert_eq!(hit_cache.as_deref(), Some("HIT"), "{hit_body}");
    assert_eq!(hit_body["data"], miss_body["data"]);
    assert!(miss_body["extensions"]["cost"]["requested"].as_u64() > Some(0));
    assert_eq!(
        hit_body["extensions"]["cost"]["requested"],
        miss_body["extensions"]["cost"]["requested"]
    );
    assert_eq!(
        hit_body["extensions"]["cost"]["limit"],
        miss_body["extensions"]["cost"]["limit"]
    );
    assert!(miss_tag.is_some());
    assert_eq!(hit_tag, miss_tag);

    let revalidated = get(miss_tag).await.unwrap();
    assert_eq!(revalidated.status(), reqwest::StatusCode::NOT_MODIFIED);
}

/// The cached answer is only for anonymous callers of the same query: a mutation sent over
/// GET is still refused with 405 after the same text was ever cached as something else.
#[tokio::test]
async fn a_mutation_over_get_is_refused_even_with_the_cache_warm() {
    let app = spawn_app().await;
    anonymous(&app, CATEGORIES).await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("accept", "application/json")
        .query(&[("query", "mutation { logout { success } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key("allow"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "METHOD_NOT_ALLOWED", "{body}");
}
