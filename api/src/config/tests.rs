use std::{collections::HashMap, time::Duration};

use super::{auth::parse_previous_keys, *};

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_serve_the_embedded_mode() {
    let settings = Settings::from_vars(HashMap::new(), false).unwrap();
    assert_eq!(settings.port, 8080);
    assert_eq!(settings.host, "127.0.0.1");
    assert!(settings.is_sqlite());
    assert!(settings.redis_url.is_none());
}

#[test]
fn production_without_jwt_secret_is_refused() {
    let err = Settings::from_vars(vars(&[("APP_ENV", "production")]), false).unwrap_err();
    assert!(err.to_string().contains("JWT_SECRET"));
}

#[test]
fn malformed_database_url_is_refused_without_its_password() {
    let err = Settings::from_vars(
        vars(&[("DATABASE_URL", "mysql://user:hunter2@db/x")]),
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("DATABASE_URL"));
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn previous_keys_are_parsed() {
    let keys = parse_previous_keys(Some(
        "old:0123456789abcdef0123456789abcdef,older:fedcba9876543210fedcba9876543210",
    ))
    .unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[1].kid, "older");
}

#[test]
fn a_bad_port_names_the_variable() {
    let err = Settings::from_vars(vars(&[("PORT", "eighty")]), false).unwrap_err();
    assert!(err.to_string().starts_with("PORT"));
}

#[test]
fn a_request_timeout_may_be_fractional_but_not_zero() {
    let settings = Settings::from_vars(vars(&[("REQUEST_TIMEOUT_SECONDS", "0.5")]), false).unwrap();
    assert_eq!(settings.graphql.request_timeout, Duration::from_millis(500));
    let err = Settings::from_vars(vars(&[("REQUEST_TIMEOUT_SECONDS", "0")]), false).unwrap_err();
    assert!(err.to_string().starts_with("REQUEST_TIMEOUT_SECONDS"));
}

#[test]
fn the_search_window_defaults_to_a_thousand_and_is_never_empty() {
    let settings = Settings::from_vars(HashMap::new(), false).unwrap();
    assert_eq!(settings.graphql.search_window, 1_000);
    let err = Settings::from_vars(vars(&[("CATALOGUE_SEARCH_WINDOW", "0")]), false).unwrap_err();
    assert!(err.to_string().starts_with("CATALOGUE_SEARCH_WINDOW"));
    let err = Settings::from_vars(vars(&[("CATALOGUE_SEARCH_WINDOW", "-5")]), false).unwrap_err();
    assert!(err.to_string().starts_with("CATALOGUE_SEARCH_WINDOW"));
}

#[test]
fn query_limits_have_defaults_and_are_read_from_their_variables() {
    let defaults = Settings::from_vars(HashMap::new(), false).unwrap();
    let limits = defaults.graphql.limits;
    assert_eq!(limits.max_query_bytes, 32 * 1024);
    assert_eq!(limits.max_tokens, 2_000);
    assert_eq!(limits.max_aliases, 30);
    assert_eq!(limits.max_fragment_spreads, 100);
    assert_eq!(limits.max_root_fields, 20);
    assert_eq!(limits.max_fields, 1_000);
    assert_eq!(limits.max_depth, 12);
    assert_eq!(limits.max_complexity, 5_000);
    let set = Settings::from_vars(
        vars(&[
            ("GRAPHQL_MAX_QUERY_BYTES", "1000"),
            ("GRAPHQL_MAX_TOKENS", "100"),
            ("GRAPHQL_MAX_ALIASES", "0"),
            ("GRAPHQL_MAX_FRAGMENT_SPREADS", "0"),
            ("GRAPHQL_MAX_ROOT_FIELDS", "3"),
            ("GRAPHQL_MAX_FIELDS", "50"),
            ("GRAPHQL_MAX_DEPTH", "4"),
            ("GRAPHQL_MAX_COMPLEXITY", "200"),
        ]),
        false,
    )
    .unwrap();
    let expected = QueryLimits {
        max_query_bytes: 1000,
        max_tokens: 100,
        max_aliases: 0,
        max_fragment_spreads: 0,
        max_root_fields: 3,
        max_fields: 50,
        max_depth: 4,
        max_complexity: 200,
    };
    assert_eq!(set.graphql.limits, expected);
}

#[test]
fn a_query_limit_that_no_query_fits_is_refused_with_its_name() {
    for name in [
        "GRAPHQL_MAX_QUERY_BYTES",
        "GRAPHQL_MAX_TOKENS",
        "GRAPHQL_MAX_ROOT_FIELDS",
        "GRAPHQL_MAX_FIELDS",
        "GRAPHQL_MAX_DEPTH",
        "GRAPHQL_MAX_COMPLEXITY",
    ] {
        let err = Settings::from_vars(vars(&[(name, "0")]), false).unwrap_err();
        assert!(err.to_string().starts_with(name), "{err}");
    }
    let err = Settings::from_vars(vars(&[("GRAPHQL_MAX_TOKENS", "-1")]), false).unwrap_err();
    assert!(err.to_string().starts_with("GRAPHQL_MAX_TOKENS"), "{err}");
}

#[test]
fn each_replica_keeps_64_mib_of_cached_responses_unless_told_otherwise() {
    let settings = Settings::from_vars(HashMap::new(), false).unwrap();
    assert_eq!(settings.response_cache.memory_bytes, 64 * 1024 * 1024);
    let none = Settings::from_vars(vars(&[("RESPONSE_CACHE_MEMORY_MB", "0")]), false).unwrap();
    assert_eq!(none.response_cache.memory_bytes, 0);
    let err =
        Settings::from_vars(vars(&[("RESPONSE_CACHE_MEMORY_MB", "lots")]), false).unwrap_err();
    assert!(err.to_string().starts_with("RESPONSE_CACHE_MEMORY_MB"));
}

#[test]
fn the_worker_runs_in_the_server_and_private_webhooks_only_in_development() {
    let development = Settings::from_vars(HashMap::new(), false).unwrap();
    assert!(development.worker.enabled);
    assert!(development.allow_private_webhooks);
    let production = Settings::from_vars(
        vars(&[("APP_ENV", "production"), ("JWT_SECRET", &"s".repeat(32))]),
        false,
    )
    .unwrap();
    assert!(!production.allow_private_webhooks);
}

#[test]
fn a_lease_shorter_than_the_delivery_timeout_is_refused() {
    let err = Settings::from_vars(
        vars(&[
            ("WORKER_LEASE_SECONDS", "5"),
            ("WORKER_DELIVERY_TIMEOUT_SECONDS", "10"),
        ]),
        false,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("WORKER_LEASE_SECONDS"), "{err}");
}

#[test]
fn demo_mode_is_refused_in_production() {
    let production = vars(&[("APP_ENV", "production"), ("JWT_SECRET", &"s".repeat(32))]);
    let err = Settings::from_vars(production, true).unwrap_err();
    assert!(err.to_string().starts_with("--demo"), "{err}");
    assert!(err.to_string().contains("APP_ENV=production"), "{err}");
    assert!(Settings::from_vars(HashMap::new(), true).unwrap().demo);
}

#[test]
fn trusted_proxies_are_cidrs_or_addresses_and_none_by_default() {
    assert!(
        Settings::from_vars(HashMap::new(), false)
            .unwrap()
            .trusted_proxies
            .is_empty()
    );
    let settings = Settings::from_vars(
        vars(&[("TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.7 ,::1 ,fd00::/8")]),
        false,
    )
    .unwrap();
    let nets: Vec<String> = settings
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        nets,
        ["10.0.0.0/8", "192.168.1.7/32", "::1/128", "fd00::/8"]
    );
}

#[test]
fn a_bad_trusted_proxy_names_the_variable() {
    let err =
        Settings::from_vars(vars(&[("TRUSTED_PROXIES", "10.0.0.0/8,proxy")]), false).unwrap_err();
    assert!(err.to_string().starts_with("TRUSTED_PROXIES"), "{err}");
    assert!(err.to_string().contains("'proxy'"), "{err}");
}

#[test]
fn the_old_trust_forwarded_for_stops_the_start_and_points_to_trusted_proxies() {
    for value in ["true", "false"] {
        let err = Settings::from_vars(vars(&[("TRUST_FORWARDED_FOR", value)]), false).unwrap_err();
        assert!(err.to_string().starts_with("TRUST_FORWARDED_FOR"), "{err}");
        assert!(err.to_string().contains("TRUSTED_PROXIES"), "{err}");
    }
}

#[test]
fn imports_run_in_the_server_with_a_minute_lease_and_three_attempts() {
    let defaults = Settings::from_vars(vars(&[]), false).unwrap().imports;
    assert!(defaults.enabled);
    assert_eq!(defaults.lease, Duration::from_secs(60));
    assert_eq!(defaults.max_attempts, 3);
    assert_eq!(defaults.poll_interval, Duration::from_secs(1));
    let tuned = Settings::from_vars(
        vars(&[
            ("IMPORT_WORKER_ENABLED", "false"),
            ("IMPORT_LEASE_SECONDS", "2.5"),
            ("IMPORT_MAX_ATTEMPTS", "5"),
            ("IMPORT_POLL_INTERVAL_MS", "50"),
        ]),
        false,
    )
    .unwrap()
    .imports;
    assert!(!tuned.enabled);
    assert_eq!(tuned.lease, Duration::from_millis(2_500));
    assert_eq!(tuned.max_attempts, 5);
    assert_eq!(tuned.poll_interval, Duration::from_millis(50));
}

#[test]
fn bad_import_settings_name_their_variable() {
    for (name, value) in [
        ("IMPORT_MAX_ATTEMPTS", "0"),
        ("IMPORT_LEASE_SECONDS", "0"),
        ("IMPORT_POLL_INTERVAL_MS", "0"),
        ("IMPORT_WORKER_ENABLED", "maybe"),
    ] {
        let err = Settings::from_vars(vars(&[(name, value)]), false).unwrap_err();
        assert!(err.to_string().starts_with(name), "{name}: {err}");
    }
}

#[test]
fn login_throttling_reads_its_four_settings() {
    let defaults = Settings::from_vars(HashMap::new(), false).unwrap();
    assert_eq!(defaults.login_throttle.max_failures, 5);
    assert_eq!(defaults.login_throttle.max_failures_per_address, 50);
    assert_eq!(defaults.login_throttle.max_delay, Duration::from_secs(60));
    let settings = Settings::from_vars(
        vars(&[
            ("LOGIN_MAX_FAILURES", "3"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"),
            ("LOGIN_THROTTLE_WINDOW_SECONDS", "600"),
            ("LOGIN_MAX_DELAY_SECONDS", "30"),
        ]),
        false,
    )
    .unwrap();
    assert_eq!(settings.login_throttle.max_failures_per_address, 20);
    assert_eq!(settings.login_throttle.window, Duration::from_secs(600));
    assert_eq!(settings.login_throttle.max_delay, Duration::from_secs(30));
    let err = Settings::from_vars(vars(&[("LOGIN_MAX_DELAY_SECONDS", "0")]), false).unwrap_err();
    assert!(
        err.to_string().starts_with("LOGIN_MAX_DELAY_SECONDS"),
        "{err}"
    );
}

#[test]
fn the_session_check_interval_is_positive_and_revocations_outlive_access_tokens() {
    let settings = Settings::from_vars(
        vars(&[
            ("SESSION_CHECK_SECONDS", "2.5"),
            ("ACCESS_TOKEN_TTL_SECONDS", "300"),
        ]),
        false,
    )
    .unwrap();
    assert_eq!(
        settings.sessions.check_interval,
        Duration::from_millis(2_500)
    );
    assert!(settings.sessions.revoked_for > Duration::from_secs(300 + 30));
    let err = Settings::from_vars(vars(&[("SESSION_CHECK_SECONDS", "0")]), false).unwrap_err();
    assert!(
        err.to_string().starts_with("SESSION_CHECK_SECONDS"),
        "{err}"
    );
}

#[test]
fn subscription_caps_default_and_refuse_zero() {
    let settings = Settings::from_vars(
        vars(&[
            ("SUBSCRIPTIONS_PER_SOCKET", "7"),
            ("SUBSCRIPTIONS_PER_USER", "9"),
            ("SUBSCRIPTION_SOCKETS_PER_USER", "2"),
        ]),
        false,
    )
    .unwrap();
    assert_eq!(
        (
            settings.subscriptions.per_socket,
            settings.subscriptions.per_user,
            settings.subscriptions.sockets_per_user
        ),
        (7, 9, 2)
    );
    let defaults = Settings::from_vars(HashMap::new(), false).unwrap();
    assert_eq!(defaults.subscriptions.per_socket, 50);
    let err = Settings::from_vars(vars(&[("SUBSCRIPTIONS_PER_USER", "0")]), false).unwrap_err();
    assert!(err.to_string().contains("SUBSCRIPTIONS_PER_USER"), "{err}");
    let err =
        Settings::from_vars(vars(&[("SUBSCRIPTIONS_PER_SOCKET", "many")]), false).unwrap_err();
    assert!(
        err.to_string().starts_with("SUBSCRIPTIONS_PER_SOCKET"),
        "{err}"
    );
}

#[test]
fn redact_url_hides_the_password() {
    assert_eq!(
        redact_url("postgres://app:s3cret@db:5432/dermaga"),
        "postgres://app:***@db:5432/dermaga"
    );
}

#[test]
fn a_cdn_purge_url_needs_a_long_secret() {
    let without = Settings::from_vars(vars(&[("CDN_PURGE_URL", "https://purge.example")]), false)
        .unwrap_err();
    assert!(
        without.to_string().contains("CDN_PURGE_SECRET"),
        "{without}"
    );
    let not_http =
        Settings::from_vars(vars(&[("CDN_PURGE_URL", "ftp://purge.example")]), false).unwrap_err();
    assert!(not_http.to_string().contains("CDN_PURGE_URL"), "{not_http}");
    let secret = "s".repeat(32);
    let settings = Settings::from_vars(
        vars(&[
            ("CDN_PURGE_URL", "http://varnish.internal/purge"),
            ("CDN_PURGE_SECRET", &secret),
        ]),
        false,
    )
    .unwrap();
    assert!(settings.worker.cdn_purge.is_some());
    assert!(
        Settings::from_vars(HashMap::new(), false)
            .unwrap()
            .worker
            .cdn_purge
            .is_none()
    );
}

#[test]
fn redis_calls_and_freshness_checks_have_small_defaults() {
    let settings = Settings::from_vars(HashMap::new(), false).unwrap();
    assert_eq!(settings.redis_timeout, std::time::Duration::from_millis(50));
    assert_eq!(
        settings.response_cache.freshness_check,
        std::time::Duration::from_millis(500)
    );
    assert_eq!(settings.response_cache.public_max_age, 30);
}
