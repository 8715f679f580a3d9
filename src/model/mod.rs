//! Wire types. Templates are JSON documents checked against [`schema`]; checkouts
//! are built from them.

pub mod checkout;
pub mod money;
pub mod schema;
pub mod template;
