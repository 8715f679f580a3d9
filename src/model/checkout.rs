//! Turns a checkout template into a Wix Checkout: line items with their own ids,
//! prices from overrides, custom items or the configured catalog, the coupon as an
//! applied discount, and `customSettings` mapped from the template's customization.

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::money::{round_currency, Prices};
use super::pricing::{CatalogItem, Pricing};
use super::template::Doc;
use crate::error::{ApiError, Result};
use crate::validate::parse_decimal;

/// Ids and time of a new checkout, chosen by the caller so the same values go to
/// the database row, the response and the webhook.
pub struct NewCheckout<'a> {
    pub id: &'a str,
    pub purchase_flow_id: &'a str,
    pub created_date: &'a str,
}

/// A template's checkout as JSON with gaps for what each checkout has of its
/// own: its id, purchase flow id, creation time and line item ids. Everything
/// else (prices, line items, discounts) is the same for every checkout made
/// from one version of a template, so it is worked out once, and a click only
/// fills the gaps in instead of building and printing a JSON tree.
#[derive(Debug)]
pub struct CheckoutShape {
    /// The JSON text around the gaps: one piece more than there are gaps.
    pieces: Vec<Box<str>>,
    gaps: Vec<Gap>,
    lines: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    Id,
    PurchaseFlowId,
    CreatedDate,
    LineId(usize),
}

impl CheckoutShape {
    pub fn of(template: &Doc, pricing: &Pricing, currency: &str) -> Result<CheckoutShape> {
        // Gaps are strings holding a random token, which no template contains.
        let marker = uuid::Uuid::new_v4().simple().to_string();
        let checkout = build(template, pricing, currency, &marker)?;
        let json = serde_json::to_string(&checkout).map_err(anyhow::Error::from)?;
        Ok(CheckoutShape::split(&json, &marker))
    }

    fn split(json: &str, marker: &str) -> CheckoutShape {
        let (mut pieces, mut gaps, mut lines) = (Vec::new(), Vec::new(), 0);
        let mut rest = json;
        while let Some(at) = rest.find(marker) {
            pieces.push(rest[..at].into());
            let after = &rest[at + marker.len()..];
            let end = after.find('"').expect("a gap is a whole JSON string");
            let gap = match &after[..end] {
                GAP_ID => Gap::Id,
                GAP_FLOW => Gap::PurchaseFlowId,
                GAP_DATE => Gap::CreatedDate,
                tag => Gap::LineId(
                    tag.strip_prefix(GAP_LINE)
                        .and_then(|n| n.parse().ok())
                        .expect("the gaps are the ones build() leaves"),
                ),
            };
            if let Gap::LineId(i) = gap {
                lines = lines.max(i + 1);
            }
            gaps.push(gap);
            rest = &after[end..];
        }
        pieces.push(rest.into());
        CheckoutShape {
            pieces,
            gaps,
            lines,
        }
    }

    /// The bytes this shape holds on the heap, for the caches that keep it.
    pub fn heap_bytes(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| p.len() + std::mem::size_of::<Box<str>>())
            .sum::<usize>()
            + self.gaps.len() * std::mem::size_of::<Gap>()
    }

    /// The checkout's JSON with `new`'s ids and time, and new line item ids.
    pub fn fill(&self, new: &NewCheckout) -> String {
        let line_ids: Vec<uuid::Uuid> = (0..self.lines).map(|_| uuid::Uuid::new_v4()).collect();
        let length = self.pieces.iter().map(|p| p.len()).sum::<usize>()
            + self.gaps.len() * uuid::fmt::Hyphenated::LENGTH.max(new.created_date.len());
        let mut json = String::with_capacity(length);
        let mut uuid = [0u8; uuid::fmt::Hyphenated::LENGTH];
        for (piece, gap) in self.pieces.iter().zip(&self.gaps) {
            json.push_str(piece);
            json.push_str(match gap {
                Gap::Id => new.id,
                Gap::PurchaseFlowId => new.purchase_flow_id,
                Gap::CreatedDate => new.created_date,
                Gap::LineId(i) => line_ids[*i].hyphenated().encode_lower(&mut uuid),
            });
        }
        json.push_str(self.pieces.last().expect("one piece more than gaps"));
        json
    }
}

const GAP_ID: &str = ":id";
const GAP_FLOW: &str = ":purchaseFlowId";
const GAP_DATE: &str = ":createdDate";
const GAP_LINE: &str = ":line";

/// The checkout `template` makes, with each gap a string of `marker` and the
/// gap's name.
fn build(template: &Doc, pricing: &Pricing, currency: &str, marker: &str) -> Result<Doc> {
    let gap = |name: &str| json!(format!("{marker}{name}"));
    let mut lines = 0;
    let mut line_id = || {
        lines += 1;
        gap(&format!("{GAP_LINE}{}", lines - 1))
    };
    let mut prices = Prices::new(currency);
    let mut line_items = Vec::new();
    let mut subtotal = Decimal::ZERO;
    let mut wanted: HashMap<(String, String), i64> = HashMap::new();

    for item in array(template, "lineItems") {
        let (line, total) = catalog_line(item, pricing, line_id(), &mut wanted, &mut prices)?;
        subtotal += total;
        line_items.push(line);
    }
    check_inventory(pricing, &wanted)?;
    for item in array(template, "customLineItems") {
        let (line, total) = custom_line(item, line_id(), &mut prices);
        subtotal += total;
        line_items.push(line);
    }

    let line_ids: Vec<Value> = line_items.iter().map(|l| l["id"].clone()).collect();
    let (discount, applied) = apply_coupon(template, pricing, subtotal, &mut prices, &line_ids);
    let totals = price_summary(subtotal, discount, &mut prices);
    Ok(checkout_fields(
        template, currency, gap, line_items, applied, totals,
    ))
}

/// One catalog line item and its total, priced from its overrides or else the
/// catalog. Its quantity is added to `wanted`, since stock is checked against
/// all lines of an item together.
fn catalog_line(
    item: &Value,
    pricing: &Pricing,
    id: Value,
    wanted: &mut HashMap<(String, String), i64>,
    prices: &mut Prices,
) -> Result<(Value, Decimal)> {
    let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
    let reference = item.get("catalogReference").cloned().unwrap_or(json!({}));
    let key = (
        str_at(&reference, "appId"),
        str_at(&reference, "catalogItemId"),
    );
    let overrides = item.get("catalogOverrideFields").and_then(Value::as_object);
    let catalog_item = find_in_catalog(pricing, &key)?;
    *wanted.entry(key).or_default() += quantity;

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

    let mut line = priced_line(id, quantity, unit, full, total, prices);
    line.insert("catalogReference".into(), reference);
    insert_some(&mut line, "productName", name);
    insert_overrides(&mut line, overrides, prices);
    let availability = match catalog_item.and_then(|c| c.inventory) {
        Some(n) => json!({"status": "AVAILABLE", "quantityAvailable": n}),
        None => json!({"status": "AVAILABLE"}),
    };
    line.insert("availability".into(), availability);
    line.insert("customLineItem".into(), json!(false));
    Ok((Value::Object(line), total))
}

/// The catalog's item for `key`. While no catalog is configured every item is
/// accepted unpriced; once one is, an item missing from it is an error.
fn find_in_catalog<'a>(
    pricing: &'a Pricing,
    key: &(String, String),
) -> Result<Option<&'a CatalogItem>> {
    let catalog_item = pricing.catalog.get(key);
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
    Ok(catalog_item)
}

/// A catalog line's fields from its `catalogOverrideFields`, which it also keeps
/// as sent; a line without them is paid in full online.
fn insert_overrides(
    line: &mut Map<String, Value>,
    overrides: Option<&Map<String, Value>>,
    prices: &mut Prices,
) {
    let Some(o) = overrides else {
        line.insert("paymentOption".into(), json!("FULL_PAYMENT_ONLINE"));
        return;
    };
    insert_some(line, "descriptionLines", o.get("descriptionLines").cloned());
    insert_some(line, "media", o.get("image").cloned());
    insert_some(
        line,
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
}

/// Fails when the catalog has fewer of an item in stock than `wanted` asks for.
fn check_inventory(pricing: &Pricing, wanted: &HashMap<(String, String), i64>) -> Result<()> {
    for (key, quantity) in wanted {
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
    Ok(())
}

/// One custom line item and its total: priced as the template says, with its
/// other fields copied as sent.
fn custom_line(item: &Value, id: Value, prices: &mut Prices) -> (Value, Decimal) {
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

    let mut line = priced_line(id, quantity, unit, full, total, prices);
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
    (Value::Object(line), total)
}

/// A checkout's amounts besides its lines', rendered as its fields show them.
struct Totals {
    /// `priceSummary`, which is also what is paid now.
    summary: Value,
    /// What tax would be charged on: the total.
    taxable: Value,
    zero: Value,
}

/// The lines' subtotal less the discount; there is no shipping, tax or fee.
fn price_summary(subtotal: Decimal, discount: Decimal, prices: &mut Prices) -> Totals {
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
    Totals {
        summary,
        taxable: prices.of(total),
        zero,
    }
}

/// The checkout's fields, in the order Wix sends them.
fn checkout_fields(
    template: &Doc,
    currency: &str,
    gap: impl Fn(&str) -> Value,
    line_items: Vec<Value>,
    applied: Vec<Value>,
    totals: Totals,
) -> Doc {
    let Totals {
        summary,
        taxable,
        zero,
    } = totals;
    let zero_summary = json!({
        "subtotal": zero, "shipping": zero, "tax": zero, "discount": zero, "total": zero, "additionalFees": zero,
    });

    let mut checkout = Map::new();
    checkout.insert("id".into(), gap(GAP_ID));
    checkout.insert("lineItems".into(), Value::Array(line_items));
    checkout.insert("conversionCurrency".into(), json!(currency));
    checkout.insert("priceSummary".into(), summary.clone());
    checkout.insert("appliedDiscounts".into(), Value::Array(applied));
    checkout.insert("customFields".into(), json!([]));
    checkout.insert("weightUnit".into(), json!("KG"));
    checkout.insert(
        "taxSummary".into(),
        json!({"taxableAmount": taxable, "totalTax": zero}),
    );
    checkout.insert("currency".into(), json!(currency));
    checkout.insert("channelType".into(), json!("WEB"));
    checkout.insert("siteLanguage".into(), json!("en"));
    checkout.insert("buyerLanguage".into(), json!("en"));
    checkout.insert("completed".into(), json!(false));
    checkout.insert("taxIncludedInPrice".into(), json!(false));
    checkout.insert("createdDate".into(), gap(GAP_DATE));
    checkout.insert("updatedDate".into(), gap(GAP_DATE));
    checkout.insert("payNow".into(), summary);
    checkout.insert("payLater".into(), zero_summary);
    checkout.insert("additionalFees".into(), json!([]));
    checkout.insert("violations".into(), json!([]));
    checkout.insert("purchaseFlowId".into(), gap(GAP_FLOW));
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
    checkout
}

fn priced_line(
    id: Value,
    quantity: i64,
    unit: Decimal,
    full: Decimal,
    total: Decimal,
    prices: &mut Prices,
) -> Map<String, Value> {
    let mut line = Map::new();
    line.insert("id".into(), id);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Doc {
        let doc = json!({
            "customLineItems": [
                {"quantity": 2, "price": "5.50", "productName": {"original": "A \"quoted\" name"}},
                {"quantity": 1, "price": "3", "productName": {"original": "B"}},
            ],
            "couponCode": "SALE",
        });
        serde_json::from_value(doc).unwrap()
    }

    fn filled(shape: &CheckoutShape, id: &str) -> Value {
        let json = shape.fill(&NewCheckout {
            id,
            purchase_flow_id: "flow-1",
            created_date: "2026-01-02T03:04:05.678Z",
        });
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn each_fill_has_its_own_ids_and_the_same_prices() {
        let shape = CheckoutShape::of(&template(), &Pricing::default(), "USD").unwrap();
        let (a, b) = (filled(&shape, "id-a"), filled(&shape, "id-b"));
        assert_eq!(a["id"], "id-a");
        assert_eq!(b["id"], "id-b");
        assert_eq!(a["purchaseFlowId"], "flow-1");
        assert_eq!(a["createdDate"], "2026-01-02T03:04:05.678Z");
        assert_eq!(a["updatedDate"], a["createdDate"]);
        assert_eq!(a["priceSummary"]["subtotal"]["amount"], "14");
        assert_eq!(a["priceSummary"], b["priceSummary"]);
        assert_eq!(
            a["lineItems"][0]["productName"]["original"],
            "A \"quoted\" name"
        );

        let ids = |c: &Value| -> Vec<String> {
            c["lineItems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_str().unwrap().to_string())
                .collect()
        };
        let (ids_a, ids_b) = (ids(&a), ids(&b));
        assert_eq!(ids_a.len(), 2);
        assert_ne!(ids_a[0], ids_a[1]);
        assert!(ids_a.iter().all(|id| !ids_b.contains(id)));
        assert!(ids_a.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
        assert_eq!(a["appliedDiscounts"][0]["lineItemIds"], json!(ids_a));
        assert!(!a.to_string().contains(":line"));
    }

    fn pricing() -> Pricing {
        let catalog = [CatalogItem {
            app_id: "app-1".into(),
            catalog_item_id: "item-1".into(),
            name: "Catalog shirt".into(),
            price: Decimal::from(20),
            inventory: Some(5),
        }];
        let coupons = [crate::model::pricing::Coupon {
            code: "TENOFF".into(),
            percent_off: Some(Decimal::from(10)),
            amount_off: None,
        }];
        Pricing::new(&catalog, &coupons)
    }

    fn full_template() -> Doc {
        let doc = json!({
            "lineItems": [
                {
                    "quantity": 2,
                    "catalogReference": {"appId": "app-1", "catalogItemId": "item-1", "options": {"size": "L"}},
                    "catalogOverrideFields": {
                        "productName": {"original": "Override"},
                        "price": "12.50",
                        "fullPrice": "15",
                        "descriptionLines": [{"name": {"original": "Size"}, "plainText": {"original": "L"}}],
                        "image": "https://example.com/a.png",
                        "paymentOption": {"value": "DEPOSIT_ONLINE"},
                        "depositAmount": "5",
                    },
                },
                {"catalogReference": {"appId": "app-1", "catalogItemId": "item-1"}},
            ],
            "customLineItems": [{
                "quantity": 3,
                "price": "4.25",
                "fullPrice": "5",
                "productName": {"original": "Gift wrap"},
                "media": "https://example.com/w.png",
                "itemType": {"preset": "PHYSICAL"},
                "depositAmount": "1",
                "paymentOption": "DEPOSIT_ONLINE",
            }],
            "couponCode": "TENOFF",
            "customization": {"lockedGiftCard": true, "webClient": {"disabledPolicyAgreementCheckbox": true}},
            "customContentReference": {"appId": "app-1", "componentId": "c-1"},
            "externalReference": {"appId": "app-1", "resourceId": "r-1"},
        });
        serde_json::from_value(doc).unwrap()
    }

    /// The whole checkout text, key order included, since clients see it as is.
    #[test]
    fn a_full_template_makes_exactly_this_checkout() {
        let shape = CheckoutShape::of(&full_template(), &pricing(), "USD").unwrap();
        let mut json = shape.fill(&NewCheckout {
            id: "id-1",
            purchase_flow_id: "flow-1",
            created_date: "2026-01-02T03:04:05.678Z",
        });
        let parsed: Value = serde_json::from_str(&json).unwrap();
        for (i, line) in parsed["lineItems"].as_array().unwrap().iter().enumerate() {
            json = json.replace(line["id"].as_str().unwrap(), &format!("line-{i}"));
        }
        let expected: Value = serde_json::from_str(FULL_CHECKOUT).unwrap();
        // Pretty first for a readable diff, then the exact bytes.
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&json).unwrap());
        assert_eq!(pretty.unwrap(), FULL_CHECKOUT);
        assert_eq!(json, serde_json::to_string(&expected).unwrap());
    }

    #[test]
    fn catalog_errors_are_exactly_these() {
        let error = |t: &Doc| format!("{:?}", CheckoutShape::of(t, &pricing(), "USD").unwrap_err());
        let mut t = full_template();
        t["lineItems"][1]["quantity"] = json!(4);
        assert_eq!(
            error(&t),
            r#"Application { status: 428, code: "INSUFFICIENT_INVENTORY", description: "only 5 of catalog item item-1 are in stock, 6 requested", data: Object {"appId": String("app-1"), "catalogItemId": String("item-1"), "quantityAvailable": Number(5), "quantityRequested": Number(6)} }"#
        );
        t["lineItems"][1]["catalogReference"]["catalogItemId"] = json!("item-2");
        assert_eq!(
            error(&t),
            r#"Application { status: 428, code: "ITEM_NOT_FOUND_IN_CATALOG", description: "catalog item item-2 of app app-1 was not found in the catalog", data: Object {"appId": String("app-1"), "catalogItemId": String("item-2")} }"#
        );
    }

    const FULL_CHECKOUT: &str = r#"{
  "id": "id-1",
  "lineItems": [
    {
      "id": "line-0",
      "quantity": 2,
      "price": {
        "amount": "12.5",
        "convertedAmount": "12.5",
        "formattedAmount": "$12.50",
        "formattedConvertedAmount": "$12.50"
      },
      "lineItemPrice": {
        "amount": "25",
        "convertedAmount": "25",
        "formattedAmount": "$25.00",
        "formattedConvertedAmount": "$25.00"
      },
      "fullPrice": {
        "amount": "15",
        "convertedAmount": "15",
        "formattedAmount": "$15.00",
        "formattedConvertedAmount": "$15.00"
      },
      "priceBeforeDiscounts": {
        "amount": "12.5",
        "convertedAmount": "12.5",
        "formattedAmount": "$12.50",
        "formattedConvertedAmount": "$12.50"
      },
      "totalPriceAfterTax": {
        "amount": "25",
        "convertedAmount": "25",
        "formattedAmount": "$25.00",
        "formattedConvertedAmount": "$25.00"
      },
      "totalPriceBeforeTax": {
        "amount": "25",
        "convertedAmount": "25",
        "formattedAmount": "$25.00",
        "formattedConvertedAmount": "$25.00"
      },
      "taxDetails": {
        "taxableAmount": {
          "amount": "25",
          "convertedAmount": "25",
          "formattedAmount": "$25.00",
          "formattedConvertedAmount": "$25.00"
        },
        "taxRate": "0",
        "totalTax": {
          "amount": "0",
          "convertedAmount": "0",
          "formattedAmount": "$0.00",
          "formattedConvertedAmount": "$0.00"
        }
      },
      "discount": {
        "amount": "0",
        "convertedAmount": "0",
        "formattedAmount": "$0.00",
        "formattedConvertedAmount": "$0.00"
      },
      "catalogReference": {
        "appId": "app-1",
        "catalogItemId": "item-1",
        "options": {
          "size": "L"
        }
      },
      "productName": {
        "original": "Override"
      },
      "descriptionLines": [
        {
          "name": {
            "original": "Size"
          },
          "plainText": {
            "original": "L"
          }
        }
      ],
      "media": "https://example.com/a.png",
      "paymentOption": "DEPOSIT_ONLINE",
      "depositAmount": {
        "amount": "5",
        "convertedAmount": "5",
        "formattedAmount": "$5.00",
        "formattedConvertedAmount": "$5.00"
      },
      "catalogOverrideFields": {
        "productName": {
          "original": "Override"
        },
        "price": "12.50",
        "fullPrice": "15",
        "descriptionLines": [
          {
            "name": {
              "original": "Size"
            },
            "plainText": {
              "original": "L"
            }
          }
        ],
        "image": "https://example.com/a.png",
        "paymentOption": {
          "value": "DEPOSIT_ONLINE"
        },
        "depositAmount": "5"
      },
      "availability": {
        "status": "AVAILABLE",
        "quantityAvailable": 5
      },
      "customLineItem": false
    },
    {
      "id": "line-1",
      "quantity": 1,
      "price": {
        "amount": "20",
        "convertedAmount": "20",
        "formattedAmount": "$20.00",
        "formattedConvertedAmount": "$20.00"
      },
      "lineItemPrice": {
        "amount": "20",
        "convertedAmount": "20",
        "formattedAmount": "$20.00",
        "formattedConvertedAmount": "$20.00"
      },
      "fullPrice": {
        "amount": "20",
        "convertedAmount": "20",
        "formattedAmount": "$20.00",
        "formattedConvertedAmount": "$20.00"
      },
      "priceBeforeDiscounts": {
        "amount": "20",
        "convertedAmount": "20",
        "formattedAmount": "$20.00",
        "formattedConvertedAmount": "$20.00"
      },
      "totalPriceAfterTax": {
        "amount": "20",
        "convertedAmount": "20",
        "formattedAmount": "$20.00",
        "formattedConvertedAmount": "$20.00"
      },
      "totalPriceBeforeTax": {
        "amount": "20",
        "convertedAmount": "20",
        "formattedAmount": "$20.00",
        "formattedConvertedAmount": "$20.00"
      },
      "taxDetails": {
        "taxableAmount": {
          "amount": "20",
          "convertedAmount": "20",
          "formattedAmount": "$20.00",
          "formattedConvertedAmount": "$20.00"
        },
        "taxRate": "0",
        "totalTax": {
          "amount": "0",
          "convertedAmount": "0",
          "formattedAmount": "$0.00",
          "formattedConvertedAmount": "$0.00"
        }
      },
      "discount": {
        "amount": "0",
        "convertedAmount": "0",
        "formattedAmount": "$0.00",
        "formattedConvertedAmount": "$0.00"
      },
      "catalogReference": {
        "appId": "app-1",
        "catalogItemId": "item-1"
      },
      "productName": {
        "original": "Catalog shirt",
        "translated": "Catalog shirt"
      },
      "paymentOption": "FULL_PAYMENT_ONLINE",
      "availability": {
        "status": "AVAILABLE",
        "quantityAvailable": 5
      },
      "customLineItem": false
    },
    {
      "id": "line-2",
      "quantity": 3,
      "price": {
        "amount": "4.25",
        "convertedAmount": "4.25",
        "formattedAmount": "$4.25",
        "formattedConvertedAmount": "$4.25"
      },
      "lineItemPrice": {
        "amount": "12.75",
        "convertedAmount": "12.75",
        "formattedAmount": "$12.75",
        "formattedConvertedAmount": "$12.75"
      },
      "fullPrice": {
        "amount": "5",
        "convertedAmount": "5",
        "formattedAmount": "$5.00",
        "formattedConvertedAmount": "$5.00"
      },
      "priceBeforeDiscounts": {
        "amount": "4.25",
        "convertedAmount": "4.25",
        "formattedAmount": "$4.25",
        "formattedConvertedAmount": "$4.25"
      },
      "totalPriceAfterTax": {
        "amount": "12.75",
        "convertedAmount": "12.75",
        "formattedAmount": "$12.75",
        "formattedConvertedAmount": "$12.75"
      },
      "totalPriceBeforeTax": {
        "amount": "12.75",
        "convertedAmount": "12.75",
        "formattedAmount": "$12.75",
        "formattedConvertedAmount": "$12.75"
      },
      "taxDetails": {
        "taxableAmount": {
          "amount": "12.75",
          "convertedAmount": "12.75",
          "formattedAmount": "$12.75",
          "formattedConvertedAmount": "$12.75"
        },
        "taxRate": "0",
        "totalTax": {
          "amount": "0",
          "convertedAmount": "0",
          "formattedAmount": "$0.00",
          "formattedConvertedAmount": "$0.00"
        }
      },
      "discount": {
        "amount": "0",
        "convertedAmount": "0",
        "formattedAmount": "$0.00",
        "formattedConvertedAmount": "$0.00"
      },
      "productName": {
        "original": "Gift wrap"
      },
      "media": "https://example.com/w.png",
      "itemType": {
        "preset": "PHYSICAL"
      },
      "paymentOption": "DEPOSIT_ONLINE",
      "depositAmount": {
        "amount": "1",
        "convertedAmount": "1",
        "formattedAmount": "$1.00",
        "formattedConvertedAmount": "$1.00"
      },
      "availability": {
        "status": "AVAILABLE"
      },
      "customLineItem": true
    }
  ],
  "conversionCurrency": "USD",
  "priceSummary": {
    "subtotal": {
      "amount": "57.75",
      "convertedAmount": "57.75",
      "formattedAmount": "$57.75",
      "formattedConvertedAmount": "$57.75"
    },
    "shipping": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "tax": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "discount": {
      "amount": "5.78",
      "convertedAmount": "5.78",
      "formattedAmount": "$5.78",
      "formattedConvertedAmount": "$5.78"
    },
    "total": {
      "amount": "51.97",
      "convertedAmount": "51.97",
      "formattedAmount": "$51.97",
      "formattedConvertedAmount": "$51.97"
    },
    "additionalFees": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    }
  },
  "appliedDiscounts": [
    {
      "coupon": {
        "id": "bafd3ed4-e90f-54ae-93f5-d1903ba72bb1",
        "code": "TENOFF",
        "amount": {
          "amount": "5.78",
          "convertedAmount": "5.78",
          "formattedAmount": "$5.78",
          "formattedConvertedAmount": "$5.78"
        },
        "name": "TENOFF"
      },
      "discountType": "GLOBAL",
      "lineItemIds": [
        "line-0",
        "line-1",
        "line-2"
      ]
    }
  ],
  "customFields": [],
  "weightUnit": "KG",
  "taxSummary": {
    "taxableAmount": {
      "amount": "51.97",
      "convertedAmount": "51.97",
      "formattedAmount": "$51.97",
      "formattedConvertedAmount": "$51.97"
    },
    "totalTax": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    }
  },
  "currency": "USD",
  "channelType": "WEB",
  "siteLanguage": "en",
  "buyerLanguage": "en",
  "completed": false,
  "taxIncludedInPrice": false,
  "createdDate": "2026-01-02T03:04:05.678Z",
  "updatedDate": "2026-01-02T03:04:05.678Z",
  "payNow": {
    "subtotal": {
      "amount": "57.75",
      "convertedAmount": "57.75",
      "formattedAmount": "$57.75",
      "formattedConvertedAmount": "$57.75"
    },
    "shipping": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "tax": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "discount": {
      "amount": "5.78",
      "convertedAmount": "5.78",
      "formattedAmount": "$5.78",
      "formattedConvertedAmount": "$5.78"
    },
    "total": {
      "amount": "51.97",
      "convertedAmount": "51.97",
      "formattedAmount": "$51.97",
      "formattedConvertedAmount": "$51.97"
    },
    "additionalFees": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    }
  },
  "payLater": {
    "subtotal": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "shipping": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "tax": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "discount": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "total": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    },
    "additionalFees": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    }
  },
  "additionalFees": [],
  "violations": [],
  "purchaseFlowId": "flow-1",
  "customSettings": {
    "lockGiftCard": true,
    "lockCouponCode": false,
    "disabledPolicyAgreementCheckbox": true,
    "disabledManualPayment": false
  },
  "customContentReference": {
    "appId": "app-1",
    "componentId": "c-1"
  },
  "externalReference": {
    "appId": "app-1",
    "resourceId": "r-1"
  },
  "paymentCurrency": "USD"
}"#;
}
