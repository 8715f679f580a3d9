//! Wire types. Templates are JSON documents checked against [`schema`]; checkouts
//! are built from them.

pub mod checkout;
pub mod events;
pub mod ids;
pub mod money;
pub mod pricing;
pub mod schema;
pub mod shares;
pub mod template;

/// A new id for a stored row (template, checkout, event): a random GUID
/// (UUID v4), as Wix's are. Ids carry no order, so sorting by `id` does not
/// follow creation here either, and client code that relies on it fails
/// against the emulator as it would against Wix.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
