//! Black-box tests over HTTP, each on SQLite and on PostgreSQL.

mod harness;

mod auth;
mod binary;
mod checkouts;
mod errors;
mod query;
mod templates;
mod use_cases;
mod validation;
mod webhooks;
