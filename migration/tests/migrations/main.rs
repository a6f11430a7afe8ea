//! One test binary for the schema: `cargo test -p migration --test migrations`.
//! Set `DATABASE_URL=postgres://…` to run every test on PostgreSQL as well as SQLite.

mod constraints;
mod entities;
mod schema;
mod support;
