//! Hostile documents are refused before validation expands them, on every transport (POST,
//! GET, batches, persisted queries, the WebSocket), while real clients' queries still run:
//! the dashboard's, and the introspection query of graphql-js.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    helpers::*,
    ws::{Incoming, WsClient},
};

/// A generous bound for a refusal that takes well under a millisecond of work.
const QUICKLY: Duration = Duration::from_secs(1);

/// What `exchange` answered, and how long it took.
async fn timed<T>(exchange: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let answer = exchange.await;
    (answer, started.elapsed())
}

/// The finding: `fragment G0 on Category { id } fragment G1 on Category { ...G0 ...G0 } …`
/// up to G29, spread once: 1.5 KB that expand to 2^29 fields.
fn fragment_bomb() -> String {
    let mut query = String::from("fragment G0 on Category { id }\n");
    for level in 1..30 {
        let below = level - 1;
        query.push_str(&format!(
            "fragment G{level} on Category {{ ...G{below} ...G{below} }}\n"
        ));
    }
    query.push_str("{ categories { ...G29 } }");
    query
}

/// `alias: products(first: 1, filter: {search: "x"}) { totalCount }`, `count` times.
fn searches_and_counts(count: usize) -> String {
    let aliases: String = (0..count)
        .map(|n| format!("p{n}: products(first: 1, filter: {{search: \"x\"}}) {{ totalCount }}\n"))
        .collect();
    format!("{{ {aliases} }}")
}

#[tokio::test]
async fn the_fragment_bomb_is_refused_quickly_over_post() {
    let app = spawn_app().await;
    let (body, took) = timed(app.graphql(&fragment_bomb(), json!({}), None)).await;
    assert_eq!(error_code(&body), "FIELD_LIMIT", "{body}");
    assert!(took < QUICKLY, "took {took:?}");
}

#[tokio::test]
async fn the_fragment_bomb_is_refused_quickly_over_get() {
    let app = spawn_app().await;
    let get = async {
        let response = app
            .client
            .get(format!("{}/graphql", app.address))
            .header("accept", "application/json")
            .query(&[("query", fragment_bomb())])
            .send()
            .await
            .unwrap();
        response.json::<Value>().await.unwrap()
    };
    let (body, took) = timed(get).await;
    assert_eq!(error_code(&body), "FIELD_LIMIT", "{body}");
    assert!(took < QUICKLY, "took {took:?}");
}

#[tokio::test]
async fn the_fragment_bomb_is_refused_quickly_over_the_websocket() {
    let app = spawn_app().await;
    let mut socket = WsClient::anonymous(&app).await;

    let (answer, took) = timed(async {
        socket
            .send(json!({ "id": "1", "type": "subscribe",
                "payload": { "query": fragment_bomb() } }))
            .await;
        socket.next(Duration::from_secs(10)).await
    })
    .await;

    let Incoming::Message(answer) = answer else {
        panic!("expected an answer, got {answer:?}");
    };
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(error_code(&answer["payload"]), "FIELD_LIMIT", "{answer}");
    assert!(took < QUICKLY, "took {took:?}");
}

#[tokio::test]
async fn a_bomb_in_a_batch_is_refused_and_its_neighbour_runs() {
    let app = spawn_app().await;
    let batch = json!([{ "query": "{ categories { slug } }" }, { "query": fragment_bomb() }]);
    let (response, took) = timed(app.post_graphql(&batch, None)).await;
    let bodies: Value = response.json().await.unwrap();
    assert!(bodies[0]["errors"].is_null(), "{bodies}");
    assert_eq!(error_code(&bodies[1]), "FIELD_LIMIT", "{bodies}");
    assert!(took < QUICKLY, "took {took:?}");
}

#[tokio::test]
async fn the_reviewers_two_thousand_four_hundred_searches_are_refused_before_running() {
    let app = spawn_app().await;
    let (body, took) = timed(app.graphql(&searches_and_counts(2_400), json!({}), None)).await;
    assert_eq!(error_code(&body), "QUERY_TOO_LARGE", "{body}");
    assert!(body.get("data").is_none(), "nothing ran: {body}");
    assert!(took < QUICKLY, "took {took:?}");
}

#[tokio::test]
async fn every_aliased_search_and_count_is_costed_when_the_text_limits_allow_them() {
    let app = spawn_app_with(&[
        ("GRAPHQL_MAX_QUERY_BYTES", "1000000"),
        ("GRAPHQL_MAX_TOKENS", "1000000"),
        ("GRAPHQL_MAX_ALIASES", "100000"),
        ("GRAPHQL_MAX_ROOT_FIELDS", "100000"),
        ("GRAPHQL_MAX_FIELDS", "100000"),
    ])
    .await;
    let body = app
        .graphql(&searches_and_counts(2_400), json!({}), None)
        .await;
    assert_eq!(error_code(&body), "COMPLEXITY_LIMIT", "{body}");
    // A page (10), a count (50) and a search (100) each.
    assert_eq!(body["errors"][0]["extensions"]["requested"], 2_400 * 160);
    assert!(body.get("data").is_none(), "nothing ran: {body}");
}

#[tokio::test]
async fn a_persisted_query_over_the_limits_is_refused_before_it_is_stored() {
    let app = spawn_app_with(&[("GRAPHQL_MAX_QUERY_BYTES", "40")]).await;
    let query = format!("{{ categories {{ slug }} }}{}", " ".repeat(30));
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    let registering = app
        .post_graphql(&json!({ "query": query, "extensions": persisted }), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let by_hash = app
        .post_graphql(&json!({ "extensions": persisted }), None)
        .await
        .json::<Value>()
        .await
        .unwrap();

    assert_eq!(error_code(&registering), "QUERY_TOO_LARGE", "{registering}");
    assert_eq!(
        error_code(&by_hash),
        "PERSISTED_QUERY_NOT_FOUND",
        "{by_hash}"
    );
}

/// `getIntrospectionQuery()` of graphql-js with its default options; `type_depth` levels of
/// `ofType` (7 in graphql-js 15 and 16, 9 in 17).
fn introspection_query(type_depth: usize) -> String {
    let mut type_ref = String::from("kind\n name");
    for _ in 0..type_depth {
        type_ref = format!("kind\n name\n ofType {{\n {type_ref}\n }}");
    }
    format!(
        "query IntrospectionQuery {{
      __schema {{
        queryType {{ name }}
        mutationType {{ name }}
        subscriptionType {{ name }}
        types {{ ...FullType }}
        directives {{ name description locations args {{ ...InputValue }} }}
      }}
    }}
    fragment FullType on __Type {{
      kind
      name
      description
      fields(includeDeprecated: true) {{
        name
        description
        args {{ ...InputValue }}
        type {{ ...TypeRef }}
        isDeprecated
        deprecationReason
      }}
      inputFields {{ ...InputValue }}
      interfaces {{ ...TypeRef }}
      enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }}
      possibleTypes {{ ...TypeRef }}
    }}
    fragment InputValue on __InputValue {{
      name
      description
      type {{ ...TypeRef }}
      defaultValue
    }}
    fragment TypeRef on __Type {{
      {type_ref}
    }}"
    )
}

#[tokio::test]
async fn the_graphql_js_introspection_query_passes_the_default_limits() {
    let app = spawn_app().await;
    for type_depth in [7, 9] {
        let body = app
            .graphql(&introspection_query(type_depth), json!({}), None)
            .await;
        assert!(body["errors"].is_null(), "typeDepth {type_depth}: {body}");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "QueryRoot"), "{body}");
    }
}

#[tokio::test]
async fn the_dashboards_queries_pass_the_default_limits() {
    let app = spawn_app().await;
    let tenant = app.tenant("dasbor").await;
    let dashboard = "query Dashboard($search: String) {
      me { id email role }
      dashboardStats { sellersTotal sellersByStage { stage count } productsByStatus { status count } }
      sellers(first: 20, filter: { search: $search }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id businessName ownerName phone city status onboarding { stage } } }
      }
      managedProducts(first: 20) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id title status seller { businessName } category { name }
          variants { sku stock price { amount currency } } } }
      }
      importJobs(first: 5) { edges { node { id kind status } } }
    }";

    let body = app
        .graphql(
            dashboard,
            json!({ "search": "Keripik" }),
            Some(&tenant.admin.access_token),
        )
        .await;

    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["sellers"]["totalCount"], 1, "{body}");
    let cost = body["extensions"]["cost"]["requested"].as_u64().unwrap();
    assert!(cost < 5_000 / 2, "room to spare: {cost}");
}
