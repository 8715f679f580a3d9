//! Turns a checkout template into a Wix Checkout: line items with their own ids,
//! prices from overrides, custom items or the configured catalog, the coupon as an
//! applied discount, and `customSettings` mapped from the template's customization.

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::money::{round_currency, Prices};
use super::template::Doc;
use crate::config::{CatalogItem, CouponConfig};
use crate::error::{ApiError, Result};
use crate::validate::parse_decimal;

/// What prices a checkout: the configured catalog and coupons.
#[derive(Debug, Default)]
pub struct Pricing {
    catalog: HashMap<(String, String), CatalogItem>,
    coupons: HashMap<String, CouponConfig>,
}

impl Pricing {
    pub fn new(catalog: &[CatalogItem], coupons: &[CouponConfig]) -> Self {
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

/// Ids and time of a new checkout, chosen by the caller so the same values go to
/// the database row, the response and the webhook.
pub struct NewCheckout<'a> {
    pub id: String,
    pub purchase_flow_id: String,
    pub created_date: &'a str,
    pub currency: &'a str,
}

pub fn build(template: &Doc, pricing: &Pricing, new: &NewCheckout) -> Result<Doc> {
    let currency = new.currency;
    let mut prices = Prices::new(currency);
    let mut line_items = Vec::new();
    let mut subtotal = Decimal::ZERO;
    let mut wanted: HashMap<(String, String), i64> = HashMap::new();

    for item in array(template, "lineItems") {
        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
        let reference = item.get("catalogReference").cloned().unwrap_or(json!({}));
        let key = (
            str_at(&reference, "appId"),
            str_at(&reference, "catalogItemId"),
        );
        let overrides = item.get("catalogOverrideFields").and_then(Value::as_object);
        let catalog_item = pricing.catalog.get(&key);
        if !pricing.catalog.is_empty() && catalog_item.is_none() {
            return Err(ApiError::application(
                StatusCode::PRECONDITION_REQUIRED,
                "ITEM_NOT_FOUND_IN_CATALOG",
                format!(
                    "catalog item {} of app {} was not found in the catalog",
                    key.1, key.0
                ),
            )
            .with_data(json!({"appId": key.0, "catalogItemId": key.1})));
        }
        *wanted.entry(key.clone()).or_default() += quantity;

        let unit = overrides
            .and_then(|o| decimal_at(o, "price"))
            .or(catalog_item.map(|c| c.price))
            .unwrap_or(Decimal::ZERO);
        let full = overrides
            .and_then(|o| decimal_at(o, "fullPrice"))
            .unwrap_or(unit);
        let name = overrides
            .and_then(|o| o.get("productName").cloned())
            .or_else(|| catalog_item.map(|c| json!({"original": c.name, "translated": c.name})));
        let total = unit * Decimal::from(quantity);
        subtotal += total;

        let mut line = priced_line(quantity, unit, full, total, &mut prices);
        line.insert("catalogReference".into(), reference);
        insert_some(&mut line, "productName", name);
        if let Some(o) = overrides {
            insert_some(
                &mut line,
                "descriptionLines",
                o.get("descriptionLines").cloned(),
            );
            insert_some(&mut line, "media", o.get("image").cloned());
            insert_some(
                &mut line,
                "physicalProperties",
                o.get("physicalProperties").cloned(),
            );
            let payment = o.get("paymentOption").and_then(|p| p.get("value")).cloned();
            line.insert(
                "paymentOption".into(),
                payment.unwrap_or(json!("FULL_PAYMENT_ONLINE")),
            );
            if let Some(deposit) = decimal_at(o, "depositAmount") {
                line.insert("depositAmount".into(), prices.of(deposit));
            }
            line.insert("catalogOverrideFields".into(), Value::Object(o.clone()));
        } else {
            line.insert("paymentOption".into(), json!("FULL_PAYMENT_ONLINE"));
        }
        let availability = match catalog_item.and_then(|c| c.inventory) {
            Some(n) => json!({"status": "AVAILABLE", "quantityAvailable": n}),
            None => json!({"status": "AVAILABLE"}),
        };
        line.insert("availability".into(), availability);
        line.insert("customLineItem".into(), json!(false));
        line_items.push(Value::Object(line));
    }

    for (key, quantity) in &wanted {
        let Some(available) = pricing.catalog.get(key).and_then(|c| c.inventory) else {
            continue;
        };
        if *quantity > available {
            return Err(ApiError::application(
                StatusCode::PRECONDITION_REQUIRED,
                "INSUFFICIENT_INVENTORY",
                format!(
                    "only {available} of catalog item {} are in stock, {quantity} requested",
                    key.1
                ),
            )
            .with_data(json!({
                "appId": key.0, "catalogItemId": key.1,
                "quantityAvailable": available, "quantityRequested": quantity,
            })));
        }
    }

    for item in array(template, "customLineItems") {
        let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
        let unit = item
            .as_object()
            .and_then(|o| decimal_at(o, "price"))
            .unwrap_or(Decimal::ZERO);
        let full = item
            .as_object()
            .and_then(|o| decimal_at(o, "fullPrice"))
            .unwrap_or(unit);
        let total = unit * Decimal::from(quantity);
        subtotal += total;

        let mut line = priced_line(quantity, unit, full, total, &mut prices);
        for field in [
            "catalogReference",
            "productName",
            "url",
            "descriptionLines",
            "media",
            "physicalProperties",
            "itemType",
            "serviceProperties",
            "rootCatalogItemId",
            "priceDescription",
            "deliveryProfileId",
            "taxableAddress",
            "policies",
            "priceUndetermined",
            "fixedQuantity",
            "membersOnly",
        ] {
            insert_some(&mut line, field, item.get(field).cloned());
        }
        line.insert(
            "paymentOption".into(),
            item.get("paymentOption")
                .cloned()
                .unwrap_or(json!("FULL_PAYMENT_ONLINE")),
        );
        if let Some(deposit) = item
            .as_object()
            .and_then(|o| decimal_at(o, "depositAmount"))
        {
            line.insert("depositAmount".into(), prices.of(deposit));
        }
        line.insert("availability".into(), json!({"status": "AVAILABLE"}));
        line.insert("customLineItem".into(), json!(true));
        line_items.push(Value::Object(line));
    }

    let line_ids: Vec<Value> = line_items.iter().map(|l| l["id"].clone()).collect();
    let (discount, applied) = apply_coupon(template, pricing, subtotal, &mut prices, &line_ids);
    let total = (subtotal - discount).max(Decimal::ZERO);
    let zero = prices.of(Decimal::ZERO);
    let summary = json!({
        "subtotal": prices.of(subtotal),
        "shipping": zero,
        "tax": zero,
        "discount": prices.of(discount),
        "total": prices.of(total),
        "additionalFees": zero,
    });
    let zero_summary = json!({
        "subtotal": zero, "shipping": zero, "tax": zero, "discount": zero, "total": zero, "additionalFees": zero,
    });

    let mut checkout = Map::new();
    checkout.insert("id".into(), json!(new.id));
    checkout.insert("lineItems".into(), Value::Array(line_items));
    checkout.insert("conversionCurrency".into(), json!(currency));
    checkout.insert("priceSummary".into(), summary.clone());
    checkout.insert("appliedDiscounts".into(), Value::Array(applied));
    checkout.insert("customFields".into(), json!([]));
    checkout.insert("weightUnit".into(), json!("KG"));
    checkout.insert(
        "taxSummary".into(),
        json!({"taxableAmount": prices.of(total), "totalTax": zero}),
    );
    checkout.insert("currency".into(), json!(currency));
    checkout.insert("channelType".into(), json!("WEB"));
    checkout.insert("siteLanguage".into(), json!("en"));
    checkout.insert("buyerLanguage".into(), json!("en"));
    checkout.insert("completed".into(), json!(false));
    checkout.insert("taxIncludedInPrice".into(), json!(false));
    checkout.insert("createdDate".into(), json!(new.created_date));
    checkout.insert("updatedDate".into(), json!(new.created_date));
    checkout.insert("payNow".into(), summary);
    checkout.insert("payLater".into(), zero_summary);
    checkout.insert("additionalFees".into(), json!([]));
    checkout.insert("violations".into(), json!([]));
    checkout.insert("purchaseFlowId".into(), json!(new.purchase_flow_id));
    checkout.insert("customSettings".into(), custom_settings(template));
    insert_some(
        &mut checkout,
        "customContentReference",
        template.get("customContentReference").cloned(),
    );
    insert_some(
        &mut checkout,
        "externalReference",
        template.get("externalReference").cloned(),
    );
    checkout.insert("paymentCurrency".into(), json!(currency));
    Ok(checkout)
}

fn priced_line(
    quantity: i64,
    unit: Decimal,
    full: Decimal,
    total: Decimal,
    prices: &mut Prices,
) -> Map<String, Value> {
    let mut line = Map::new();
    line.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    line.insert("quantity".into(), json!(quantity));
    line.insert("price".into(), prices.of(unit));
    line.insert("lineItemPrice".into(), prices.of(total));
    line.insert("fullPrice".into(), prices.of(full));
    line.insert("priceBeforeDiscounts".into(), prices.of(unit));
    line.insert("totalPriceAfterTax".into(), prices.of(total));
    line.insert("totalPriceBeforeTax".into(), prices.of(total));
    line.insert(
        "taxDetails".into(),
        json!({"taxableAmount": prices.of(total), "taxRate": "0", "totalTax": prices.of(Decimal::ZERO)}),
    );
    line.insert("discount".into(), prices.of(Decimal::ZERO));
    line
}

/// The coupon as an applied discount. While no coupons are configured any code is
/// kept with a zero amount; once some are, an unknown code is not applied.
fn apply_coupon(
    template: &Doc,
    pricing: &Pricing,
    subtotal: Decimal,
    prices: &mut Prices,
    line_ids: &[Value],
) -> (Decimal, Vec<Value>) {
    let Some(code) = template
        .get("couponCode")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
    else {
        return (Decimal::ZERO, vec![]);
    };
    let amount = if pricing.coupons.is_empty() {
        Decimal::ZERO
    } else {
        match pricing.coupons.get(code) {
            None => return (Decimal::ZERO, vec![]),
            Some(c) => match (c.percent_off, c.amount_off) {
                (Some(p), _) => round_currency(subtotal * p / Decimal::ONE_HUNDRED),
                (None, Some(a)) => a.min(subtotal),
                (None, None) => Decimal::ZERO,
            },
        }
    };
    let coupon_id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, code.as_bytes()).to_string();
    let applied = json!({
        "coupon": {"id": coupon_id, "code": code, "amount": prices.of(amount), "name": code},
        "discountType": "GLOBAL",
        "lineItemIds": line_ids,
    });
    (amount, vec![applied])
}

fn custom_settings(template: &Doc) -> Value {
    let c = template.get("customization");
    let flag = |path: &[&str]| {
        let mut v = c;
        for p in path {
            v = v.and_then(|x| x.get(*p));
        }
        v.and_then(Value::as_bool).unwrap_or(false)
    };
    json!({
        "lockGiftCard": flag(&["lockedGiftCard"]),
        "lockCouponCode": flag(&["lockedCoupon"]),
        "disabledPolicyAgreementCheckbox": flag(&["webClient", "disabledPolicyAgreementCheckbox"]),
        "disabledManualPayment": flag(&["disabledManualPayment"]),
    })
}

fn array<'a>(doc: &'a Doc, key: &str) -> impl Iterator<Item = &'a Value> {
    doc.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn str_at(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn decimal_at(o: &Map<String, Value>, key: &str) -> Option<Decimal> {
    o.get(key).and_then(Value::as_str).and_then(parse_decimal)
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.into(), v);
    }
}
