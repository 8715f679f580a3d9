//! What prices a checkout: the configured catalog items and coupons.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Deserialize;

/// A catalog item, as declared in `[[catalog]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    pub app_id: String,
    pub catalog_item_id: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    pub inventory: Option<i64>,
}

/// A coupon, as declared in `[[coupons]]`: exactly one of the two amounts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coupon {
    pub code: String,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub percent_off: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount_off: Option<Decimal>,
}

/// The catalog and coupons, looked up by key.
#[derive(Debug, Default)]
pub struct Pricing {
    pub(super) catalog: HashMap<(String, String), CatalogItem>,
    pub(super) coupons: HashMap<String, Coupon>,
}

impl Pricing {
    pub fn new(catalog: &[CatalogItem], coupons: &[Coupon]) -> Self {
        Pricing {
            catalog: catalog
                .iter()
                .map(|i| ((i.app_id.clone(), i.catalog_item_id.clone()), i.clone()))
                .collect(),
            coupons: coupons
                .iter()
                .map(|c| (c.code.clone(), c.clone()))
                .collect(),
        }
    }
}
