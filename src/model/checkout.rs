//! Turns a checkout template into a Wix Checkout, as the REST `Checkout` type
//! has it: line items with their own ids, prices from overrides, custom items
//! or the configured catalog, the coupon as an applied discount spread over
//! the lines, what is paid now and later, who made it, and `customSettings`
//! mapped from the template's customization.

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::money::{round_currency, Prices};
use super::pricing::{CatalogItem, Pricing};
use super::shares::{pay_now_and_later, spread, Owed, Part};
use super::template::Doc;
use crate::error::{ApiError, Result};
use crate::validate::parse_decimal;

/// Who made a checkout, as its `createdBy` says.
#[derive(Debug, Clone, Copy)]
pub enum Creator<'a> {
    /// A site visitor who clicked the share link: the checkout's buyer.
    Visitor,
    /// An app calling the API with an API key.
    App(&'a str),
}

/// Ids and time of a new checkout, chosen by the caller so the same values go to
/// the database row, the response and the webhook.
pub struct NewCheckout<'a> {
    pub id: &'a str,
    pub purchase_flow_id: &'a str,
    pub created_date: &'a str,
    /// The buyer, `buyerInfo.visitorId`: a visitor of its own for each checkout.
    pub visitor_id: &'a str,
    pub created_by: Creator<'a>,
}

/// A template's checkout as JSON with gaps for what each checkout has of its
/// own: its id, purchase flow id, creation time, buyer, creator and line item
/// ids. Everything else (prices, line items, discounts) is the same for every
/// checkout made from one version of a template, so it is worked out once,
/// and a click only fills the gaps in instead of building and printing a JSON
/// tree.
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
    VisitorId,
    /// The key in `createdBy`: `visitorId` or `appId`.
    CreatorKey,
    CreatorId,
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
                GAP_VISITOR => Gap::VisitorId,
                GAP_CREATOR_KEY => Gap::CreatorKey,
                GAP_CREATOR_ID => Gap::CreatorId,
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

    /// The checkout's JSON with `new`'s ids, time and creator, and new line
    /// item ids.
    pub fn fill(&self, new: &NewCheckout) -> String {
        let line_ids: Vec<uuid::Uuid> = (0..self.lines).map(|_| uuid::Uuid::new_v4()).collect();
        // An app id comes from the configuration: escaped, as the text of a JSON string.
        let app_id = match new.created_by {
            Creator::App(id) => serde_json::to_string(id).expect("strings serialize"),
            Creator::Visitor => String::new(),
        };
        let length = self.pieces.iter().map(|p| p.len()).sum::<usize>()
            + self.gaps.len()
                * uuid::fmt::Hyphenated::LENGTH
                    .max(new.created_date.len())
                    .max(app_id.len());
        let mut json = String::with_capacity(length);
        let mut uuid = [0u8; uuid::fmt::Hyphenated::LENGTH];
        for (piece, gap) in self.pieces.iter().zip(&self.gaps) {
            json.push_str(piece);
            json.push_str(match gap {
                Gap::Id => new.id,
                Gap::PurchaseFlowId => new.purchase_flow_id,
                Gap::CreatedDate => new.created_date,
                Gap::VisitorId => new.visitor_id,
                Gap::CreatorKey => match new.created_by {
                    Creator::Visitor => "visitorId",
                    Creator::App(_) => "appId",
                },
                Gap::CreatorId => match new.created_by {
                    Creator::Visitor => new.visitor_id,
                    Creator::App(_) => &app_id[1..app_id.len() - 1],
                },
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
const GAP_VISITOR: &str = ":visitorId";
const GAP_CREATOR_KEY: &str = ":createdByKey";
const GAP_CREATOR_ID: &str = ":createdById";
const GAP_LINE: &str = ":line";

const FULL_PAYMENT_ONLINE: &str = "FULL_PAYMENT_ONLINE";

/// One line item before the coupon is shared out: its amounts, and its other
/// fields as they go into the checkout.
struct Line {
    id: Value,
    quantity: i64,
    unit: Decimal,
    full: Decimal,
    /// `unit × quantity`, before the discount.
    total: Decimal,
    payment_option: String,
    /// For the whole quantity.
    deposit: Option<Decimal>,
    /// For the whole quantity; part of the price.
    modifiers: Decimal,
    fields: Map<String, Value>,
}

impl Line {
    fn new(id: Value, quantity: i64, unit: Decimal, full: Decimal) -> Line {
        Line {
            id,
            quantity,
            unit,
            full,
            total: unit.saturating_mul(Decimal::from(quantity)),
            payment_option: FULL_PAYMENT_ONLINE.to_string(),
            deposit: None,
            modifiers: Decimal::ZERO,
            fields: Map::new(),
        }
    }

    /// The line as the checkout shows it, with its share of the discount: its
    /// totals are after the discount.
    fn finish(self, discount: Decimal, prices: &mut Prices) -> Value {
        let after = self.total - discount;
        let mut line = Map::new();
        line.insert("id".into(), self.id);
        line.insert("quantity".into(), json!(self.quantity));
        line.insert("price".into(), prices.of(self.unit));
        line.insert("lineItemPrice".into(), prices.of(self.total));
        line.insert("fullPrice".into(), prices.of(self.full));
        line.insert("priceBeforeDiscounts".into(), prices.of(self.unit));
        line.insert("totalPriceAfterTax".into(), prices.of(after));
        line.insert("totalPriceBeforeTax".into(), prices.of(after));
        line.insert(
            "taxDetails".into(),
            json!({"taxableAmount": prices.of(after), "taxRate": "0", "totalTax": prices.of(Decimal::ZERO)}),
        );
        line.insert("discount".into(), prices.of(discount));
        line.extend(self.fields);
        Value::Object(line)
    }

    fn owed(&self, discount: Decimal) -> Owed<'_> {
        Owed {
            payment_option: &self.payment_option,
            total: self.total,
            discount,
            deposit: self.deposit,
            modifiers: self.modifiers,
        }
    }
}

/// The checkout `template` makes, with each gap a string of `marker` and the
/// gap's name.
fn build(template: &Doc, pricing: &Pricing, currency: &str, marker: &str) -> Result<Doc> {
    let gap = |name: &str| json!(format!("{marker}{name}"));
    let mut count = 0;
    let mut line_id = || {
        count += 1;
        gap(&format!("{GAP_LINE}{}", count - 1))
    };
    let mut prices = Prices::new(currency);
    let mut lines = Vec::new();
    let mut wanted: HashMap<(String, String), i64> = HashMap::new();

    for item in array(template, "lineItems") {
        lines.push(catalog_line(
            item,
            pricing,
            line_id(),
            &mut wanted,
            &mut prices,
        )?);
    }
    check_inventory(pricing, &wanted)?;
    for item in array(template, "customLineItems") {
        lines.push(custom_line(item, line_id(), &mut prices));
    }

    let subtotal = lines
        .iter()
        .fold(Decimal::ZERO, |sum, l| sum.saturating_add(l.total));
    let line_ids: Vec<Value> = lines.iter().map(|l| l.id.clone()).collect();
    let (discount, applied) = apply_coupon(template, pricing, subtotal, &mut prices, &line_ids);
    let totals: Vec<Decimal> = lines.iter().map(|l| l.total).collect();
    let (mut now, mut later) = (Part::default(), Part::default());
    let mut line_items = Vec::with_capacity(lines.len());
    for (line, share) in lines.into_iter().zip(spread(discount, &totals)) {
        let (n, l) = pay_now_and_later(line.owed(share));
        now += n;
        later += l;
        line_items.push(line.finish(share, &mut prices));
    }
    let whole = Part { subtotal, discount };
    let totals = Totals {
        summary: summary(whole, &mut prices),
        pay_now: summary(now, &mut prices),
        pay_later: summary(later, &mut prices),
        taxable: prices.of(whole.total().max(Decimal::ZERO)),
        zero: prices.of(Decimal::ZERO),
    };
    Ok(checkout_fields(
        template, currency, gap, line_items, applied, totals,
    ))
}

/// One catalog line item, priced from its overrides or else the catalog. Its
/// quantity is added to `wanted`, since stock is checked against all lines of
/// an item together.
fn catalog_line(
    item: &Value,
    pricing: &Pricing,
    id: Value,
    wanted: &mut HashMap<(String, String), i64>,
    prices: &mut Prices,
) -> Result<Line> {
    let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
    let reference = item.get("catalogReference").cloned().unwrap_or(json!({}));
    let key = (
        str_at(&reference, "appId"),
        str_at(&reference, "catalogItemId"),
    );
    let overrides = item.get("catalogOverrideFields").and_then(Value::as_object);
    let catalog_item = find_in_catalog(pricing, &key)?;
    *wanted.entry(key.clone()).or_default() += quantity;

    let unit = overrides
        .and_then(|o| decimal_at(o, "price"))
        .or(catalog_item.map(|c| c.price))
        .unwrap_or(Decimal::ZERO);
    let full = overrides
        .and_then(|o| decimal_at(o, "fullPrice"))
        .unwrap_or(unit);
    // Without an override or a catalog to name it, the item's id stands in.
    let name = overrides
        .and_then(|o| o.get("productName").cloned())
        .unwrap_or_else(
            || json!({"original": catalog_item.map_or(key.1.as_str(), |c| c.name.as_str())}),
        );

    let mut line = Line::new(id, quantity, unit, full);
    let fields = &mut line.fields;
    fields.insert("catalogReference".into(), reference);
    fields.insert("productName".into(), translated(name));
    fields.insert(
        "descriptionLines".into(),
        description_lines(overrides.and_then(|o| o.get("descriptionLines"))),
    );
    if let Some(o) = overrides {
        insert_some(fields, "media", o.get("image").cloned());
        insert_some(
            fields,
            "physicalProperties",
            o.get("physicalProperties").cloned(),
        );
        if let Some(option) = o
            .get("paymentOption")
            .and_then(|p| p.get("value"))
            .and_then(Value::as_str)
        {
            line.payment_option = option.to_string();
        }
        line.deposit = decimal_at(o, "depositAmount");
    }
    let fields = &mut line.fields;
    fields.insert("paymentOption".into(), json!(line.payment_option));
    if let Some(deposit) = line.deposit {
        fields.insert("depositAmount".into(), prices.of(deposit));
        line.deposit = Some(deposit.saturating_mul(Decimal::from(quantity)));
    }
    insert_some(
        fields,
        "catalogOverrideFields",
        overrides.cloned().map(Value::Object),
    );
    fields.insert(
        "availability".into(),
        availability(quantity, catalog_item.and_then(|c| c.inventory)),
    );
    fields.insert("customLineItem".into(), json!(false));
    let save = overrides
        .and_then(|o| o.get("savePaymentMethod"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    insert_flags(fields, |flag| (flag == "savePaymentMethod").then_some(save));
    Ok(line)
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

/// One custom line item: priced as the template says (a stored template
/// always has a `price`, `"0"` when none was sent), with its other fields
/// copied as sent.
fn custom_line(item: &Value, id: Value, prices: &mut Prices) -> Line {
    let empty = Map::new();
    let item = item.as_object().unwrap_or(&empty);
    let quantity = item.get("quantity").and_then(Value::as_i64).unwrap_or(1);
    let unit = decimal_at(item, "price").unwrap_or(Decimal::ZERO);
    let full = decimal_at(item, "fullPrice").unwrap_or(unit);

    let mut line = Line::new(id, quantity, unit, full);
    if let Some(option) = item.get("paymentOption").and_then(Value::as_str) {
        line.payment_option = option.to_string();
    }
    let fields = &mut line.fields;
    insert_some(
        fields,
        "catalogReference",
        item.get("catalogReference").cloned(),
    );
    insert_some(
        fields,
        "productName",
        item.get("productName").cloned().map(translated),
    );
    fields.insert(
        "descriptionLines".into(),
        description_lines(item.get("descriptionLines")),
    );
    for field in [
        "url",
        "media",
        "physicalProperties",
        "itemType",
        "serviceProperties",
        "rootCatalogItemId",
        "priceDescription",
        "deliveryProfileId",
        "taxableAddress",
        "policies",
    ] {
        insert_some(fields, field, item.get(field).cloned());
    }
    fields.insert("paymentOption".into(), json!(line.payment_option));
    if let Some(deposit) = decimal_at(item, "depositAmount") {
        fields.insert("depositAmount".into(), prices.of(deposit));
        line.deposit = Some(deposit.saturating_mul(Decimal::from(quantity)));
    }
    let available = item.get("quantityAvailable").and_then(Value::as_i64);
    fields.insert("availability".into(), availability(quantity, available));
    fields.insert("customLineItem".into(), json!(true));
    insert_flags(fields, |flag| item.get(flag).and_then(Value::as_bool));
    if let Some(Value::Array(groups)) = item.get("modifierGroups") {
        let (groups, per_unit) = modifier_groups(groups, prices);
        fields.insert("modifierGroups".into(), groups);
        fields.insert("modifiersTotalPrice".into(), prices.of(per_unit));
        line.modifiers = per_unit.saturating_mul(Decimal::from(quantity));
    }
    line
}

/// A custom item's modifier groups with their prices as the checkout shows
/// prices, and what the modifiers cost for one of the item: each modifier's
/// price times its quantity (1 when not given).
fn modifier_groups(groups: &[Value], prices: &mut Prices) -> (Value, Decimal) {
    let mut total = Decimal::ZERO;
    let groups = groups
        .iter()
        .map(|group| {
            let mut group = group.clone();
            if let Some(g) = group.as_object_mut() {
                translate_at(g, "name");
                for m in g
                    .get_mut("modifiers")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object_mut)
                {
                    translate_at(m, "label");
                    translate_at(m, "details");
                    let price = decimal_at(m, "price").unwrap_or(Decimal::ZERO);
                    let quantity = m.get("quantity").and_then(Value::as_i64).unwrap_or(1);
                    total = total.saturating_add(price.saturating_mul(Decimal::from(quantity)));
                    if m.contains_key("price") {
                        m.insert("price".into(), prices.of(price));
                    }
                }
            }
            group
        })
        .collect();
    (Value::Array(groups), total)
}

/// The line booleans the Checkout type always has: as `given` says, else `false`.
fn insert_flags(fields: &mut Map<String, Value>, given: impl Fn(&str) -> Option<bool>) {
    for flag in [
        "priceUndetermined",
        "fixedQuantity",
        "savePaymentMethod",
        "membersOnly",
    ] {
        fields.insert(flag.into(), json!(given(flag).unwrap_or(false)));
    }
}

/// `availability` for `quantity` of an item of which `available` are to be had
/// (unlimited when not known).
fn availability(quantity: i64, available: Option<i64>) -> Value {
    match available {
        None => json!({"status": "AVAILABLE"}),
        Some(n) => {
            let status = if n <= 0 {
                "NOT_AVAILABLE"
            } else if n < quantity {
                "PARTIALLY_AVAILABLE"
            } else {
                "AVAILABLE"
            };
            json!({"status": status, "quantityAvailable": n})
        }
    }
}

/// Description lines with their `translated` texts defaulted to `original`,
/// or `[]` when there are none.
fn description_lines(lines: Option<&Value>) -> Value {
    let mut lines = match lines {
        Some(Value::Array(lines)) => lines.clone(),
        _ => Vec::new(),
    };
    for line in lines.iter_mut().filter_map(Value::as_object_mut) {
        for key in ["name", "plainText", "colorInfo"] {
            translate_at(line, key);
        }
    }
    Value::Array(lines)
}

/// A translatable text with `translated` defaulting to `original`, as the
/// Checkout type's texts do.
fn translated(mut text: Value) -> Value {
    if let Some(t) = text.as_object_mut() {
        if let (Some(original), None) = (t.get("original").cloned(), t.get("translated")) {
            t.insert("translated".into(), original);
        }
    }
    text
}

fn translate_at(map: &mut Map<String, Value>, key: &str) {
    if let Some(text) = map.get_mut(key) {
        *text = translated(text.take());
    }
}

/// A checkout's amounts besides its lines', rendered as its fields show them.
struct Totals {
    /// `priceSummary`.
    summary: Value,
    pay_now: Value,
    pay_later: Value,
    /// What tax would be charged on: the total.
    taxable: Value,
    zero: Value,
}

/// A price summary of `part`; there is no shipping, tax or fee.
fn summary(part: Part, prices: &mut Prices) -> Value {
    let zero = prices.of(Decimal::ZERO);
    json!({
        "subtotal": prices.of(part.subtotal),
        "shipping": zero,
        "tax": zero,
        "discount": prices.of(part.discount),
        "total": prices.of(part.total().max(Decimal::ZERO)),
        "additionalFees": zero,
    })
}

/// The checkout's fields, in the order of the Checkout type.
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
        pay_now,
        pay_later,
        taxable,
        zero,
    } = totals;
    let mut created_by = Map::new();
    created_by.insert(
        gap(GAP_CREATOR_KEY)
            .as_str()
            .expect("a gap is a string")
            .into(),
        gap(GAP_CREATOR_ID),
    );

    let mut checkout = Map::new();
    checkout.insert("id".into(), gap(GAP_ID));
    checkout.insert("lineItems".into(), Value::Array(line_items));
    checkout.insert("buyerInfo".into(), json!({"visitorId": gap(GAP_VISITOR)}));
    checkout.insert("conversionCurrency".into(), json!(currency));
    checkout.insert("priceSummary".into(), summary);
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
    checkout.insert("createdBy".into(), Value::Object(created_by));
    checkout.insert("createdDate".into(), gap(GAP_DATE));
    checkout.insert("updatedDate".into(), gap(GAP_DATE));
    checkout.insert("payNow".into(), pay_now);
    checkout.insert("payLater".into(), pay_later);
    checkout.insert(
        "membershipOptions".into(),
        json!({"eligibleMemberships": [], "invalidMemberships": [], "selectedMemberships": {"memberships": []}}),
    );
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

/// `p` percent of `amount`; exact unless `amount × p` would not fit a decimal.
fn percent_of(amount: Decimal, p: Decimal) -> Decimal {
    amount.checked_mul(p).map_or_else(
        || amount / Decimal::ONE_HUNDRED * p,
        |x| x / Decimal::ONE_HUNDRED,
    )
}

/// The coupon as an applied discount, rounded to the cent and at most the
/// subtotal. While no coupons are configured any code is kept with a zero
/// amount; once some are, an unknown code is not applied.
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
                (Some(p), _) => round_currency(percent_of(subtotal, p)),
                (None, Some(a)) => round_currency(a),
                (None, None) => Decimal::ZERO,
            },
        }
    };
    // Never more than the subtotal, in whole cents.
    let whole_cents = subtotal
        .checked_mul(Decimal::ONE_HUNDRED)
        .map_or(subtotal.floor(), |cents| {
            cents.floor() / Decimal::ONE_HUNDRED
        });
    let amount = amount.min(whole_cents);
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
    use crate::model::template::new_template;

    /// A template as stored: checked, with Wix's defaults.
    fn stored(template: Value) -> Doc {
        let mut doc = new_template(Some(&template), "checkoutTemplate").unwrap();
        doc.shift_remove("id");
        doc
    }

    fn template() -> Doc {
        stored(json!({
            "customLineItems": [
                {"quantity": 2, "price": "5.50", "productName": {"original": "A \"quoted\" name"}, "itemType": {"preset": "PHYSICAL"}},
                {"quantity": 1, "price": "3", "productName": {"original": "B"}, "itemType": {"custom": "b"}},
            ],
            "couponCode": "SALE",
        }))
    }

    fn new_checkout<'a>(id: &'a str, created_by: Creator<'a>) -> NewCheckout<'a> {
        NewCheckout {
            id,
            purchase_flow_id: "flow-1",
            created_date: "2026-01-02T03:04:05.678Z",
            visitor_id: "visitor-1",
            created_by,
        }
    }

    fn filled(shape: &CheckoutShape, id: &str) -> Value {
        let json = shape.fill(&new_checkout(id, Creator::Visitor));
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

    #[test]
    fn the_creator_is_a_visitor_or_an_app() {
        let shape = CheckoutShape::of(&template(), &Pricing::default(), "USD").unwrap();
        let by_visitor: Value =
            serde_json::from_str(&shape.fill(&new_checkout("c", Creator::Visitor))).unwrap();
        assert_eq!(by_visitor["buyerInfo"], json!({"visitorId": "visitor-1"}));
        assert_eq!(by_visitor["createdBy"], json!({"visitorId": "visitor-1"}));
        let by_app: Value =
            serde_json::from_str(&shape.fill(&new_checkout("c", Creator::App("app \"1\""))))
                .unwrap();
        assert_eq!(by_app["buyerInfo"], json!({"visitorId": "visitor-1"}));
        assert_eq!(by_app["createdBy"], json!({"appId": "app \"1\""}));
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
        stored(json!({
            "lineItems": [
                {
                    "quantity": 2,
                    "catalogReference": {"appId": "app-1", "catalogItemId": "item-1", "options": {"size": "L"}},
                    "catalogOverrideFields": {
                        "productName": {"original": "Override"},
                        "price": "12.50",
                        "fullPrice": "15",
                        "descriptionLines": [{"name": {"original": "Size"}, "plainText": {"original": "L"}}],
                        "image": {"id": "img-1", "altText": "a shirt"},
                        "paymentOption": {"value": "DEPOSIT_ONLINE"},
                        "depositAmount": "5",
                        "savePaymentMethod": true,
                    },
                },
                {"quantity": 1, "catalogReference": {"appId": "app-1", "catalogItemId": "item-1"}},
            ],
            "customLineItems": [{
                "quantity": 3,
                "price": "4.25",
                "fullPrice": "5",
                "productName": {"original": "Gift wrap"},
                "media": {"id": "w"},
                "itemType": {"preset": "PHYSICAL"},
                "paymentOption": "FULL_PAYMENT_OFFLINE",
                "quantityAvailable": 2,
                "fixedQuantity": true,
                "modifierGroups": [{"id": "g1", "name": {"original": "Ribbon"},
                                    "modifiers": [{"id": "m1", "quantity": 2, "label": {"original": "Bow"}, "price": "0.25"}]}],
            }],
            "couponCode": "TENOFF",
            "customization": {"lockedGiftCard": true, "webClient": {"disabledPolicyAgreementCheckbox": true}},
            "customContentReference": {"appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60", "componentId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f61"},
            "externalReference": {"appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60", "resourceId": "r-1"},
        }))
    }

    /// The whole checkout text, key order included, since clients see it as
    /// is. Its amounts: a subtotal of 2 × 12.50 + 20 + 3 × 4.25 = 57.75, 10 %
    /// off is 5.775 → 5.78, spread as 2.50 + 2.00 + 1.28 (the leftover cent to
    /// the line whose share lost most to rounding down). Paid now: the
    /// deposit 2 × 5 and the 20 line less its 2.00; later: the deposit line's
    /// other 15 less its 2.50, and the offline line.
    #[test]
    fn a_full_template_makes_exactly_this_checkout() {
        let shape = CheckoutShape::of(&full_template(), &pricing(), "USD").unwrap();
        let mut json = shape.fill(&new_checkout("id-1", Creator::Visitor));
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
        "amount": "22.5",
        "convertedAmount": "22.5",
        "formattedAmount": "$22.50",
        "formattedConvertedAmount": "$22.50"
      },
      "totalPriceBeforeTax": {
        "amount": "22.5",
        "convertedAmount": "22.5",
        "formattedAmount": "$22.50",
        "formattedConvertedAmount": "$22.50"
      },
      "taxDetails": {
        "taxableAmount": {
          "amount": "22.5",
          "convertedAmount": "22.5",
          "formattedAmount": "$22.50",
          "formattedConvertedAmount": "$22.50"
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
        "amount": "2.5",
        "convertedAmount": "2.5",
        "formattedAmount": "$2.50",
        "formattedConvertedAmount": "$2.50"
      },
      "catalogReference": {
        "appId": "app-1",
        "catalogItemId": "item-1",
        "options": {
          "size": "L"
        }
      },
      "productName": {
        "original": "Override",
        "translated": "Override"
      },
      "descriptionLines": [
        {
          "name": {
            "original": "Size",
            "translated": "Size"
          },
          "plainText": {
            "original": "L",
            "translated": "L"
          }
        }
      ],
      "media": {
        "id": "img-1",
        "altText": "a shirt"
      },
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
        "image": {
          "id": "img-1",
          "altText": "a shirt"
        },
        "paymentOption": {
          "value": "DEPOSIT_ONLINE"
        },
        "depositAmount": "5",
        "savePaymentMethod": true
      },
      "availability": {
        "status": "AVAILABLE",
        "quantityAvailable": 5
      },
      "customLineItem": false,
      "priceUndetermined": false,
      "fixedQuantity": false,
      "savePaymentMethod": true,
      "membersOnly": false
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
        "amount": "18",
        "convertedAmount": "18",
        "formattedAmount": "$18.00",
        "formattedConvertedAmount": "$18.00"
      },
      "totalPriceBeforeTax": {
        "amount": "18",
        "convertedAmount": "18",
        "formattedAmount": "$18.00",
        "formattedConvertedAmount": "$18.00"
      },
      "taxDetails": {
        "taxableAmount": {
          "amount": "18",
          "convertedAmount": "18",
          "formattedAmount": "$18.00",
          "formattedConvertedAmount": "$18.00"
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
        "amount": "2",
        "convertedAmount": "2",
        "formattedAmount": "$2.00",
        "formattedConvertedAmount": "$2.00"
      },
      "catalogReference": {
        "appId": "app-1",
        "catalogItemId": "item-1"
      },
      "productName": {
        "original": "Catalog shirt",
        "translated": "Catalog shirt"
      },
      "descriptionLines": [],
      "paymentOption": "FULL_PAYMENT_ONLINE",
      "availability": {
        "status": "AVAILABLE",
        "quantityAvailable": 5
      },
      "customLineItem": false,
      "priceUndetermined": false,
      "fixedQuantity": false,
      "savePaymentMethod": false,
      "membersOnly": false
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
        "amount": "11.47",
        "convertedAmount": "11.47",
        "formattedAmount": "$11.47",
        "formattedConvertedAmount": "$11.47"
      },
      "totalPriceBeforeTax": {
        "amount": "11.47",
        "convertedAmount": "11.47",
        "formattedAmount": "$11.47",
        "formattedConvertedAmount": "$11.47"
      },
      "taxDetails": {
        "taxableAmount": {
          "amount": "11.47",
          "convertedAmount": "11.47",
          "formattedAmount": "$11.47",
          "formattedConvertedAmount": "$11.47"
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
        "amount": "1.28",
        "convertedAmount": "1.28",
        "formattedAmount": "$1.28",
        "formattedConvertedAmount": "$1.28"
      },
      "productName": {
        "original": "Gift wrap",
        "translated": "Gift wrap"
      },
      "descriptionLines": [],
      "media": {
        "id": "w"
      },
      "itemType": {
        "preset": "PHYSICAL"
      },
      "paymentOption": "FULL_PAYMENT_OFFLINE",
      "availability": {
        "status": "PARTIALLY_AVAILABLE",
        "quantityAvailable": 2
      },
      "customLineItem": true,
      "priceUndetermined": false,
      "fixedQuantity": true,
      "savePaymentMethod": false,
      "membersOnly": false,
      "modifierGroups": [
        {
          "id": "g1",
          "name": {
            "original": "Ribbon",
            "translated": "Ribbon"
          },
          "modifiers": [
            {
              "id": "m1",
              "quantity": 2,
              "label": {
                "original": "Bow",
                "translated": "Bow"
              },
              "price": {
                "amount": "0.25",
                "convertedAmount": "0.25",
                "formattedAmount": "$0.25",
                "formattedConvertedAmount": "$0.25"
              }
            }
          ]
        }
      ],
      "modifiersTotalPrice": {
        "amount": "0.5",
        "convertedAmount": "0.5",
        "formattedAmount": "$0.50",
        "formattedConvertedAmount": "$0.50"
      }
    }
  ],
  "buyerInfo": {
    "visitorId": "visitor-1"
  },
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
  "createdBy": {
    "visitorId": "visitor-1"
  },
  "createdDate": "2026-01-02T03:04:05.678Z",
  "updatedDate": "2026-01-02T03:04:05.678Z",
  "payNow": {
    "subtotal": {
      "amount": "30",
      "convertedAmount": "30",
      "formattedAmount": "$30.00",
      "formattedConvertedAmount": "$30.00"
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
      "amount": "2",
      "convertedAmount": "2",
      "formattedAmount": "$2.00",
      "formattedConvertedAmount": "$2.00"
    },
    "total": {
      "amount": "28",
      "convertedAmount": "28",
      "formattedAmount": "$28.00",
      "formattedConvertedAmount": "$28.00"
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
      "amount": "27.75",
      "convertedAmount": "27.75",
      "formattedAmount": "$27.75",
      "formattedConvertedAmount": "$27.75"
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
      "amount": "3.78",
      "convertedAmount": "3.78",
      "formattedAmount": "$3.78",
      "formattedConvertedAmount": "$3.78"
    },
    "total": {
      "amount": "23.97",
      "convertedAmount": "23.97",
      "formattedAmount": "$23.97",
      "formattedConvertedAmount": "$23.97"
    },
    "additionalFees": {
      "amount": "0",
      "convertedAmount": "0",
      "formattedAmount": "$0.00",
      "formattedConvertedAmount": "$0.00"
    }
  },
  "membershipOptions": {
    "eligibleMemberships": [],
    "invalidMemberships": [],
    "selectedMemberships": {
      "memberships": []
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
    "appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60",
    "componentId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f61"
  },
  "externalReference": {
    "appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60",
    "resourceId": "r-1"
  },
  "paymentCurrency": "USD"
}"#;
}
