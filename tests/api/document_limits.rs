//! Each limit on a document: a query at the limit runs, one just over it is refused with the
//! limit's code, before anything runs.

use serde_json::{Value, json};

use crate::helpers::*;

/// The response of an anonymous query on a server with `limit` set to `value`.
async fn run(limit: &str, value: &str, queries: [&str; 2]) -> [Value; 2] {
    let app = spawn_app_with(&[(limit, value), ("RATE_LIMIT_PER_MINUTE", "0")]).await;
    let mut bodies = Vec::new();
    for query in queries {
        bodies.push(app.graphql(query, json!({}), None).await);
    }
    [bodies[0].clone(), bodies[1].clone()]
}

/// The first query runs; the second is refused with `code` and never reaches a resolver.
fn assert_at_and_over(bodies: &[Value; 2], code: &str) {
    let [at, over] = bodies;
    assert!(at["errors"].is_null(), "at the limit: {at}");
    assert!(at["data"].is_object(), "at the limit: {at}");
    assert_eq!(error_code(over), code, "over the limit: {over}");
    assert!(over.get("data").is_none_or(Value::is_null), "{over}");
}

#[tokio::test]
async fn the_query_text_may_be_as_long_as_the_byte_limit() {
    let query = "{ categories { slug } }";
    let at = format!("{query}{}", " ".repeat(100 - query.len()));
    let over = format!("{at} ");
    let bodies = run("GRAPHQL_MAX_QUERY_BYTES", "100", [&at, &over]).await;
    assert_at_and_over(&bodies, "QUERY_TOO_LARGE");
    assert_eq!(bodies[1]["errors"][0]["extensions"]["requested"], 101);
}

#[tokio::test]
async fn comments_count_as_bytes_but_not_as_tokens() {
    let commented = "# a comment of many words does not add tokens\n{ categories { slug } }";
    let bodies = run(
        "GRAPHQL_MAX_TOKENS",
        "6",
        [commented, "{ categories { slug id } }"],
    )
    .await;
    assert_at_and_over(&bodies, "TOKEN_LIMIT");
}

#[tokio::test]
async fn aliases_are_limited_as_written() {
    let bodies = run(
        "GRAPHQL_MAX_ALIASES",
        "2",
        [
            "{ a: categories { slug } b: categories { slug } }",
            "{ a: categories { slug } b: categories { slug } c: categories { slug } }",
        ],
    )
    .await;
    assert_at_and_over(&bodies, "ALIAS_LIMIT");
}

#[tokio::test]
async fn fragment_spreads_are_limited_as_written() {
    let bodies = run(
        "GRAPHQL_MAX_FRAGMENT_SPREADS",
        "2",
        [
            "fragment C on Category { slug } { categories { ...C children { ...C } } }",
            "fragment C on Category { slug } { categories { ...C children { ...C children { ...C } } } }",
        ],
    )
    .await;
    assert_at_and_over(&bodies, "FRAGMENT_LIMIT");
}

#[tokio::test]
async fn root_fields_are_counted_through_fragments() {
    let bodies = run(
        "GRAPHQL_MAX_ROOT_FIELDS",
        "2",
        [
            "fragment R on QueryRoot { a: categories { slug } } { ...R b: categories { slug } }",
            "fragment R on QueryRoot { a: categories { slug } } { ...R b: categories { slug } __typename }",
        ],
    )
    .await;
    assert_at_and_over(&bodies, "ROOT_FIELD_LIMIT");
}

#[tokio::test]
async fn fields_are_counted_with_their_fragments_expanded() {
    let bodies = run(
        "GRAPHQL_MAX_FIELDS",
        "5",
        [
            // 1 + 1 + 1 + (1 + 1): a fragment counts at every spread.
            "fragment C on Category { slug } { categories { ...C ...C children { ...C } } }",
            "fragment C on Category { slug } { categories { ...C ...C children { ...C ...C } } }",
        ],
    )
    .await;
    assert_at_and_over(&bodies, "FIELD_LIMIT");
}

#[tokio::test]
async fn depth_is_counted_through_fragments() {
    let bodies = run(
        "GRAPHQL_MAX_DEPTH",
        "3",
        [
            "fragment C on Category { children { slug } } { categories { ...C } }",
            "fragment C on Category { children { children { slug } } } { categories { ...C } }",
        ],
    )
    .await;
    assert_at_and_over(&bodies, "DEPTH_LIMIT");
    let message = bodies[1]["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("too deep"), "{message}");
}

#[tokio::test]
async fn the_cost_may_reach_the_complexity_limit() {
    // A page: 10 for its statement and 3 per item (edges, node, id).
    let page = "products(first: 2) { edges { node { id } } }";
    let bodies = run(
        "GRAPHQL_MAX_COMPLEXITY",
        "16",
        [
            &format!("{{ {page} }}"),
            &format!("{{ {page} __typename }}"),
        ],
    )
    .await;
    assert_at_and_over(&bodies, "COMPLEXITY_LIMIT");
    assert_eq!(bodies[0]["extensions"]["cost"]["requested"], 16);
    assert_eq!(bodies[1]["errors"][0]["extensions"]["requested"], 17);
    assert_eq!(bodies[1]["extensions"]["cost"]["requested"], 17);
}

#[tokio::test]
async fn a_fragment_that_spreads_itself_is_refused_without_being_followed() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            "fragment A on Category { slug ...B } fragment B on Category { children { ...A } }
             { categories { ...A } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&body), "FRAGMENT_CYCLE", "{body}");
}

#[tokio::test]
async fn a_refused_document_is_a_request_error_of_the_graphql_response_media_type() {
    let app = spawn_app_with(&[("GRAPHQL_MAX_DEPTH", "1")]).await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ categories { slug } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "DEPTH_LIMIT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], 1);
}
