//! Logged-in users and whole tenants (an aggregator with its admin, staff, seller and seller
//! login), made through the API as a dashboard would.

use serde_json::{Value, json};

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp};

/// Tokens of a logged-in test user.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
}

impl Session {
    /// The access token, as `TestApp::graphql` takes it.
    pub fn token(&self) -> Option<&str> {
        Some(self.access_token.as_str())
    }
}

/// One aggregator with an admin, a staff member, a seller and that seller's login.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub aggregator_id: String,
    pub admin: Session,
    pub staff: Session,
    pub seller_id: String,
    pub seller_login: Session,
    pub seller_user_id: String,
    pub staff_user_id: String,
}

impl TestApp {
    pub async fn post_graphql(&self, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// Runs a GraphQL operation and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.post_graphql(&json!({ "query": query, "variables": variables }), token)
            .await
            .json()
            .await
            .expect("a JSON body")
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> Value {
        self.graphql(
            "mutation($input: LoginInput!) { login(input: $input) {
                session { accessToken refreshToken user { id email role } }
                userErrors { field message code } } }",
            json!({ "input": { "email": email, "password": password } }),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let body = self.login_raw(email, password).await;
        let session = &body["data"]["login"]["session"];
        assert!(session.is_object(), "login of {email} failed: {body}");
        Session {
            access_token: session["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: session["refreshToken"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn admin(&self) -> Session {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn create_aggregator(&self, admin: &Session, slug: &str) -> String {
        let body = self
            .graphql(
                "mutation($input: CreateAggregatorInput!) { createAggregator(input: $input) {
                    aggregator { id } userErrors { field message code } } }",
                json!({ "input": {
                    "name": format!("Aggregator {slug}"), "slug": slug, "kind": "COOPERATIVE",
                    "province": "Sumatera Utara", "city": "Medan" } }),
                Some(&admin.access_token),
            )
            .await;
        body["data"]["createAggregator"]["aggregator"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createAggregator failed: {body}"))
            .to_owned()
    }

    /// Creates a login and returns its id.
    pub async fn create_user(
        &self,
        creator: &Session,
        email: &str,
        role: &str,
        aggregator_id: Option<&str>,
        seller_id: Option<&str>,
    ) -> String {
        let body = self
            .create_user_raw(creator, email, role, aggregator_id, seller_id)
            .await;
        body["data"]["createUser"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createUser failed: {body}"))
            .to_owned()
    }

    pub async fn create_user_raw(
        &self,
        creator: &Session,
        email: &str,
        role: &str,
        aggregator_id: Option<&str>,
        seller_id: Option<&str>,
    ) -> Value {
        self.graphql(
            "mutation($input: CreateUserInput!) { createUser(input: $input) {
                user { id email role } userErrors { field message code } } }",
            json!({ "input": {
                "email": email, "password": PASSWORD, "displayName": email, "role": role,
                "aggregatorId": aggregator_id, "sellerId": seller_id } }),
            Some(&creator.access_token),
        )
        .await
    }

    pub async fn onboard_seller_raw(&self, token: &Session, input: Value) -> Value {
        self.graphql(
            "mutation($input: OnboardSellerInput!) { onboardSeller(input: $input) {
                seller { id businessName phone nib } userErrors { field message code } } }",
            json!({ "input": input }),
            Some(&token.access_token),
        )
        .await
    }

    pub async fn onboard_seller(&self, token: &Session, name: &str, phone: &str) -> String {
        let body = self
            .onboard_seller_raw(token, seller_input(name, phone))
            .await;
        body["data"]["onboardSeller"]["seller"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("onboardSeller failed: {body}"))
            .to_owned()
    }

    /// A complete tenant, named by `slug`.
    pub async fn tenant(&self, slug: &str) -> Tenant {
        let admin = self.admin().await;
        let aggregator_id = self.create_aggregator(&admin, slug).await;
        let admin_email = format!("admin@{slug}.test");
        self.create_user(
            &admin,
            &admin_email,
            "AGGREGATOR_ADMIN",
            Some(&aggregator_id),
            None,
        )
        .await;
        let tenant_admin = self.login(&admin_email, PASSWORD).await;
        let staff_email = format!("staff@{slug}.test");
        let staff_user_id = self
            .create_user(&tenant_admin, &staff_email, "AGGREGATOR_STAFF", None, None)
            .await;
        let staff = self.login(&staff_email, PASSWORD).await;
        let seller_id = self
            .onboard_seller(&staff, &format!("Keripik {slug}"), "0812-3456-7890")
            .await;
        let seller_email = format!("seller@{slug}.test");
        let seller_user_id = self
            .create_user(
                &tenant_admin,
                &seller_email,
                "SELLER",
                None,
                Some(&seller_id),
            )
            .await;
        let seller_login = self.login(&seller_email, PASSWORD).await;
        Tenant {
            aggregator_id,
            admin: tenant_admin,
            staff,
            seller_id,
            seller_login,
            seller_user_id,
            staff_user_id,
        }
    }
}

pub fn seller_input(name: &str, phone: &str) -> Value {
    json!({
        "businessName": name, "ownerName": "Ibu Sari", "phone": phone,
        "sector": "FOOD_AND_DRINK", "scale": "MICRO",
        "province": "Jawa Tengah", "city": "Semarang",
    })
}
