//! What the HTTP server waits for and what it shows: read timeouts, GraphiQL, field
//! suggestions, where `/metrics` listens, and which browser origins may call the API.

use std::{net::SocketAddr, time::Duration};

use ipnet::IpNet;

use super::{
    AppEnv, ConfigError,
    env::{Env, positive_seconds},
    graphql::introspection,
};

#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// `HTTP_HEADER_TIMEOUT_SECONDS`: how long each request head may take from its first byte;
    /// slower ones get 408 `REQUEST_TIMEOUT` and their connection is closed.
    pub header_timeout: Duration,
    /// `HTTP_BODY_TIMEOUT_SECONDS`: how long a request body (an upload included) may take to
    /// arrive whole; slower ones get 408 `REQUEST_TIMEOUT` and are closed.
    pub body_timeout: Duration,
    /// `GRAPHIQL`: serve the GraphiQL page on `GET /graphql` (on in development).
    pub graphiql: bool,
    /// `GRAPHQL_SUGGESTIONS`: "Did you mean …?" in validation errors; they reveal field names,
    /// so they follow `GRAPHQL_INTROSPECTION` unless set.
    pub graphql_suggestions: bool,
    /// `METRICS_ADDR`: serve `/metrics` on this address only, off the public port.
    pub metrics_addr: Option<SocketAddr>,
    /// `CORS_ALLOWED_ORIGINS`: the browser origins (`https://host[:port]`) allowed to call the
    /// API; empty sends no CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
}

impl HttpSettings {
    pub(super) fn from_env(env: &Env, app_env: AppEnv) -> Result<Self, ConfigError> {
        let metrics_addr = match env.get("METRICS_ADDR") {
            None => None,
            Some(raw) => Some(raw.parse().map_err(|_| {
                ConfigError(format!(
                    "METRICS_ADDR must be an IP address and port such as 0.0.0.0:9090, got '{raw}'"
                ))
            })?),
        };
        Ok(Self {
            header_timeout: positive_seconds(env, "HTTP_HEADER_TIMEOUT_SECONDS", 5.0)?,
            body_timeout: positive_seconds(env, "HTTP_BODY_TIMEOUT_SECONDS", 60.0)?,
            graphiql: env.parse("GRAPHIQL", app_env == AppEnv::Development)?,
            graphql_suggestions: env.parse("GRAPHQL_SUGGESTIONS", introspection(env, app_env)?)?,
            metrics_addr,
            cors_allowed_origins: allowed_origins(env.get("CORS_ALLOWED_ORIGINS").as_deref())?,
        })
    }
}

/// `https://dash.example.com,http://localhost:3000`, each written as browsers send `Origin`
/// (lower-case host, no default port, no path), since origins are compared byte for byte.
fn allowed_origins(raw: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let invalid = |entry: &str, why: &str| {
        ConfigError(format!(
            "CORS_ALLOWED_ORIGINS entry '{entry}' {why} (expected a comma-separated list such as https://dashboard.example.com)"
        ))
    };
    let mut origins = Vec::new();
    for entry in raw
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        if entry == "*" || entry == "null" {
            return Err(invalid(entry, "is not allowed: name each origin"));
        }
        let url = url::Url::parse(entry).map_err(|_| invalid(entry, "is not an origin"))?;
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
            return Err(invalid(
                entry,
                "must be http(s)://host[:port] with nothing after it",
            ));
        }
        let origin = url.origin().ascii_serialization();
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// `SHUTDOWN_GRACE_SECONDS`: how long a stopping process lets in-flight requests and
/// deliveries finish before it releases what is left.
pub(super) fn shutdown_grace(env: &Env) -> Result<Duration, ConfigError> {
    positive_seconds(env, "SHUTDOWN_GRACE_SECONDS", 20.0)
}

/// `TRUSTED_PROXIES=10.0.0.0/8,192.168.1.7`: CIDRs or single addresses, comma-separated.
pub(super) fn trusted_proxies(env: &Env) -> Result<Vec<IpNet>, ConfigError> {
    if env.get("TRUST_FORWARDED_FOR").is_some() {
        return Err(ConfigError(
            "TRUST_FORWARDED_FOR is no longer read: list the addresses of your reverse proxies in \
             TRUSTED_PROXIES (CIDRs, e.g. TRUSTED_PROXIES=10.0.0.0/8) and unset it"
                .into(),
        ));
    }
    let Some(raw) = env.get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    ConfigError(format!(
                        "TRUSTED_PROXIES has an invalid entry '{entry}': expected CIDRs or \
                         addresses separated by commas, e.g. 10.0.0.0/8,192.168.1.7"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>();
        Settings::from_vars(vars, false)
    }

    const PRODUCTION: [(&str, &str); 2] = [
        ("APP_ENV", "production"),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
    ];

    #[test]
    fn read_timeouts_default_to_five_and_sixty_seconds_and_are_never_zero() {
        let http = settings(&[]).unwrap().http;
        assert_eq!(http.header_timeout, Duration::from_secs(5));
        assert_eq!(http.body_timeout, Duration::from_secs(60));
        let custom = settings(&[("HTTP_BODY_TIMEOUT_SECONDS", "2.5")]).unwrap();
        assert_eq!(custom.http.body_timeout, Duration::from_millis(2_500));
        for name in ["HTTP_HEADER_TIMEOUT_SECONDS", "HTTP_BODY_TIMEOUT_SECONDS"] {
            let err = settings(&[(name, "0")]).unwrap_err();
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn graphiql_and_suggestions_are_on_in_development_and_off_in_production() {
        let development = settings(&[]).unwrap().http;
        assert!(development.graphiql && development.graphql_suggestions);
        let production = settings(&PRODUCTION).unwrap().http;
        assert!(!production.graphiql && !production.graphql_suggestions);
        let enabled = settings(&[PRODUCTION[0], PRODUCTION[1], ("GRAPHIQL", "true")]).unwrap();
        assert!(enabled.http.graphiql);
        let err = settings(&[("GRAPHIQL", "maybe")]).unwrap_err();
        assert!(err.to_string().starts_with("GRAPHIQL"), "{err}");
    }

    #[test]
    fn suggestions_follow_introspection_unless_set() {
        let introspective = settings(&[
            PRODUCTION[0],
            PRODUCTION[1],
            ("GRAPHQL_INTROSPECTION", "true"),
        ])
        .unwrap();
        assert!(introspective.http.graphql_suggestions);
        let quiet = settings(&[("GRAPHQL_INTROSPECTION", "false")]).unwrap();
        assert!(!quiet.http.graphql_suggestions);
        let told = settings(&[
            ("GRAPHQL_INTROSPECTION", "true"),
            ("GRAPHQL_SUGGESTIONS", "false"),
        ])
        .unwrap();
        assert!(!told.http.graphql_suggestions);
    }

    #[test]
    fn the_metrics_address_is_an_ip_and_port() {
        assert_eq!(settings(&[]).unwrap().http.metrics_addr, None);
        let set = settings(&[("METRICS_ADDR", "0.0.0.0:9090")]).unwrap();
        assert_eq!(set.http.metrics_addr, Some("0.0.0.0:9090".parse().unwrap()));
        let err = settings(&[("METRICS_ADDR", "9090")]).unwrap_err();
        assert!(err.to_string().starts_with("METRICS_ADDR"), "{err}");
    }

    #[test]
    fn cors_origins_are_written_as_browsers_send_them() {
        assert!(settings(&[]).unwrap().http.cors_allowed_origins.is_empty());
        let set = settings(&[(
            "CORS_ALLOWED_ORIGINS",
            " https://Dash.Example.com:443/ , http://localhost:3000,,https://dash.example.com",
        )])
        .unwrap();
        assert_eq!(
            set.http.cors_allowed_origins,
            ["https://dash.example.com", "http://localhost:3000"]
        );
    }

    #[test]
    fn cors_wildcards_paths_and_other_schemes_are_refused() {
        for bad in [
            "*",
            "null",
            "dash.example.com",
            "https://dash.example.com/app",
            "ftp://dash.example.com",
            "https://user@dash.example.com",
        ] {
            let err = settings(&[("CORS_ALLOWED_ORIGINS", bad)]).unwrap_err();
            assert!(
                err.to_string().starts_with("CORS_ALLOWED_ORIGINS"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_shutdown_grace_defaults_to_twenty_seconds() {
        assert_eq!(
            settings(&[]).unwrap().shutdown_grace,
            Duration::from_secs(20)
        );
        let err = settings(&[("SHUTDOWN_GRACE_SECONDS", "-1")]).unwrap_err();
        assert!(
            err.to_string().starts_with("SHUTDOWN_GRACE_SECONDS"),
            "{err}"
        );
    }
}
