//! GraphQL over HTTP: media types, status codes, GET for queries only, batches, bad bodies.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// What Apollo Client sends.
const APOLLO_ACCEPT: &str = "application/graphql-response+json,application/json;q=0.9";

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_apollo_client_gets_graphql_response_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::ACCEPT, APOLLO_ACCEPT)
        .json(&json!({ "query": "{ categories { slug } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with(GRAPHQL_RESPONSE_JSON));
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["categories"].is_array(), "{body}");
}

#[tokio::test]
async fn a_parse_error_is_400_without_data_for_graphql_response_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
        .json(&json!({ "query": "{ categories { " }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert!(body["errors"][0]["message"].is_string());
}

#[tokio::test]
async fn a_validation_error_is_200_for_application_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::ACCEPT, "application/json")
        .json(&json!({ "query": "{ categories { noSuchField } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("noSuchField"),
        "{body}"
    );
}

#[tokio::test]
async fn a_wrong_variable_type_is_a_request_error() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
        .json(&json!({
            "query": "query($first: Int) { sellers(first: $first) { totalCount } }",
            "variables": { "first": "many" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"][0]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn an_unacceptable_accept_is_406() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::ACCEPT, "text/html")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn an_unsupported_content_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::CONTENT_TYPE, "text/plain")
        .body("{ __typename }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "UNSUPPORTED_MEDIA_TYPE"
    );
}

#[tokio::test]
async fn malformed_json_is_400_with_a_clear_error() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"query": "{ __typename }""#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn a_query_over_get_is_answered() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ categories { slug } }")])
        .header(header::ACCEPT, APOLLO_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["categories"].is_array(), "{body}");
}

#[tokio::test]
async fn a_mutation_over_get_is_405_with_allow() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { logout { success } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key(header::ALLOW));
}

#[tokio::test]
async fn a_batch_is_answered_in_order() {
    let app = spawn_app().await;
    let body: Value = app
        .post_graphql(
            &json!([
                { "query": "{ a: __typename }" },
                { "query": "{ b: __typename }" },
            ]),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["data"]["a"], "QueryRoot");
    assert_eq!(body[1]["data"]["b"], "QueryRoot");
}

const LARGE_QUERY: &str = "{ __schema { types { name description } } }";

async fn post_with_encoding(
    app: &crate::helpers::TestApp,
    query: &str,
    encoding: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .header(header::ACCEPT_ENCODING, encoding)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
}

fn content_encoding(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_large_response_is_gzipped() {
    let app = spawn_app().await;
    let response = post_with_encoding(&app, LARGE_QUERY, "gzip").await;
    assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
}

#[tokio::test]
async fn a_large_response_is_brotli_compressed() {
    let app = spawn_app().await;
    let response = post_with_encoding(&app, LARGE_QUERY, "br").await;
    assert_eq!(content_encoding(&response).as_deref(), Some("br"));
}

#[tokio::test]
async fn a_small_response_is_not_compressed() {
    let app = spawn_app().await;
    let response = post_with_encoding(&app, "{ __typename }", "gzip, br").await;
    assert_ne!(content_encoding(&response).as_deref(), Some("gzip"));
    assert_ne!(content_encoding(&response).as_deref(), Some("br"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "QueryRoot");
}

async fn get_query(
    app: &crate::helpers::TestApp,
    if_none_match: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ categories { slug } }")]);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_get_response_carries_an_etag() {
    let app = spawn_app().await;
    let response = get_query(&app, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key(header::ETAG));
}

#[tokio::test]
async fn a_matching_if_none_match_is_304_not_modified() {
    let app = spawn_app().await;
    let first = get_query(&app, None).await;
    let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();

    let second = get_query(&app, Some(&tag)).await;

    assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(second.headers()[header::ETAG].to_str().unwrap(), tag);
    assert!(second.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_stale_if_none_match_gets_the_full_response() {
    let app = spawn_app().await;
    let response = get_query(&app, Some("W/\"0123\"")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["categories"].is_array());
}
