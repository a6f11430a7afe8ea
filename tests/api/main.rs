//! Integration tests: each starts the real server and speaks HTTP to it.

mod aggregators;
mod audit;
mod auth;
mod cache;
mod cache_apq;
mod cache_catalogue;
mod cache_outage;
mod cache_redis;
mod catalogue;
mod cli;
mod demo;
mod errors;
mod health;
mod helpers;
mod imports;
mod limits;
mod metrics;
mod onboarding;
mod products;
mod schema;
mod seed;
mod sellers;
mod stats;
mod tenancy;
mod transport;
mod users;
