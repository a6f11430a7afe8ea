//! Dermaga: the GraphQL API backend for marketplace aggregators.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod global_id;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod search;
pub mod seed;
pub mod service;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod worker;
