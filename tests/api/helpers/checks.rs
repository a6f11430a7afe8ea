//! What tests read off answers and the database, seeded data they look up, and signals.

use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

use super::TestApp;

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {body}"))
}

/// The codes of a payload's `userErrors`.
pub fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload}"))
        .iter()
        .map(|error| error["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    use sea_orm::Statement;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count query")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a number")
}

/// Sends a Unix signal to a process the test started, without relying on a `kill` binary.
pub fn send_signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("a process id");
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    let result = unsafe { libc::kill(pid, signal) };
    assert_eq!(
        result,
        0,
        "kill({pid}, {signal}) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// The global id of a seeded category.
pub async fn category_id(app: &TestApp, slug: &str) -> String {
    let body = app
        .graphql(
            "{ categories { id slug children { id slug } } }",
            json!({}),
            None,
        )
        .await;
    body["data"]["categories"]
        .as_array()
        .unwrap_or_else(|| panic!("no categories: {body}"))
        .iter()
        .flat_map(|root| {
            std::iter::once(root).chain(root["children"].as_array().into_iter().flatten())
        })
        .find(|category| category["slug"] == slug)
        .map(|category| category["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no category {slug}: {body}"))
}
