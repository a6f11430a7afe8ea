//! What tests do to a login's sessions: ask who they are, log out, disable the login.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

impl TestApp {
    /// `{ me { email } }` with `access_token`: the whole response body.
    pub async fn me(&self, access_token: &str) -> Value {
        self.graphql("{ me { email } }", json!({}), Some(access_token))
            .await
    }

    /// Logs `session` out, which must succeed.
    pub async fn logout(&self, session: &Session) {
        let body = self
            .graphql(
                "mutation { logout(input: {}) { revoked } }",
                json!({}),
                Some(&session.access_token),
            )
            .await;
        assert_eq!(body["data"]["logout"]["revoked"], true, "{body}");
    }

    /// Disables login `user_id` as `admin`, which must succeed.
    pub async fn disable_user(&self, admin: &Session, user_id: &str) {
        let body = self
            .graphql(
                "mutation($id: ID!) { setUserActive(id: $id, active: false) {
                    user { isActive } userErrors { code } } }",
                json!({ "id": user_id }),
                Some(&admin.access_token),
            )
            .await;
        assert_eq!(
            body["data"]["setUserActive"]["user"]["isActive"], false,
            "{body}"
        );
    }
}
