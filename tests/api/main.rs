//! Black-box tests over HTTP, each on SQLite and on PostgreSQL.

mod harness;

mod auth;
mod binary;
mod bounds;
mod checkouts;
mod clicks;
mod console;
mod contract;
mod control;
mod crash;
mod edges;
mod emulator;
mod errors;
mod group_commit;
mod hostile;
mod layers;
mod outage;
mod process;
mod query;
mod readme;
mod receiver;
mod templates;
mod use_cases;
mod validation;
mod webhooks;
