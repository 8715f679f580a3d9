//! A checkout as a page shows it, read from its JSON defensively: a field
//! the checkout does not have is simply not shown, so checkouts written by
//! older or newer versions of the emulator all render.

use serde_json::Value;

/// One line of a checkout.
pub struct LineView {
    pub name: String,
    /// An image URL a browser can load.
    pub image: Option<String>,
    /// "Name: value" pairs.
    pub description: Vec<(String, String)>,
    pub quantity: String,
    /// Price of one.
    pub price: Option<String>,
    /// Quantity times price.
    pub line_price: Option<String>,
    /// This line's share of the discount, when it has one.
    pub discount: Option<String>,
}

/// A coupon applied to the checkout.
pub struct CouponView {
    pub code: String,
    pub amount: Option<String>,
}

/// What `customSettings` asks of the checkout page.
#[derive(Default)]
pub struct Settings {
    pub lock_coupon: bool,
    pub lock_gift_card: bool,
    pub no_policy_checkbox: bool,
    pub no_manual_payment: bool,
    pub no_continue_shopping: bool,
}

pub struct CheckoutView {
    pub id: String,
    pub lines: Vec<LineView>,
    pub coupons: Vec<CouponView>,
    pub subtotal: Option<String>,
    pub discount: Option<String>,
    pub shipping: Option<String>,
    pub tax: Option<String>,
    pub total: Option<String>,
    /// What is paid now and later, when some is paid later (deposits).
    pub pay_now: Option<String>,
    pub pay_later: Option<String>,
    pub created: Option<String>,
    pub settings: Settings,
}

/// A money value as people read it: its formatted amount, else its amount.
pub fn money(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m
            .get("formattedAmount")
            .or_else(|| m.get("amount"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Whether a money value is a zero amount.
fn is_zero(v: &Value) -> bool {
    v.get("amount")
        .and_then(Value::as_str)
        .and_then(|a| a.parse::<f64>().ok())
        .is_some_and(|a| a == 0.0)
}

/// A translatable text (`{original, translated}`) or a plain string.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m
            .get("translated")
            .or_else(|| m.get("original"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// A media value's URL (an image's `id` or `url`, or the value itself),
/// when a browser can load it: not a bare Wix media id or `wix:image://…`.
fn image(v: &Value) -> Option<String> {
    let url = match v {
        Value::String(s) => s.as_str(),
        Value::Object(m) => m
            .get("url")
            .or_else(|| m.get("id"))
            .and_then(Value::as_str)?,
        _ => return None,
    };
    (url.starts_with("https://") || url.starts_with("http://")).then(|| url.to_string())
}

fn description(line: &Value) -> Vec<(String, String)> {
    let lines = line["descriptionLines"].as_array().into_iter().flatten();
    lines
        .filter_map(|d| {
            let name = text(&d["name"])?;
            let value = text(&d["plainText"])
                .or_else(|| text(&d["colorInfo"]))
                .or_else(|| d["colorInfo"]["original"].as_str().map(str::to_string))
                .unwrap_or_default();
            Some((name, value))
        })
        .collect()
}

fn line(item: &Value) -> LineView {
    LineView {
        name: text(&item["productName"]).unwrap_or_else(|| "(unnamed item)".into()),
        image: image(&item["media"]),
        description: description(item),
        quantity: match &item["quantity"] {
            Value::Null => String::new(),
            q => q.to_string(),
        },
        price: money(&item["price"]),
        line_price: money(&item["lineItemPrice"]),
        discount: Some(&item["discount"])
            .filter(|d| !d.is_null() && !is_zero(d))
            .and_then(money),
    }
}

fn flag(settings: &Value, name: &str) -> bool {
    settings[name].as_bool().unwrap_or(false)
}

impl CheckoutView {
    pub fn of(checkout: &Value) -> CheckoutView {
        let summary = &checkout["priceSummary"];
        let settings = &checkout["customSettings"];
        let coupons = checkout["appliedDiscounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let coupon = &d["coupon"];
                Some(CouponView {
                    code: coupon["code"].as_str()?.to_string(),
                    amount: money(&coupon["amount"]),
                })
            })
            .collect();
        let pay_later = &checkout["payLater"]["total"];
        let deposit = !pay_later.is_null() && !is_zero(pay_later);
        CheckoutView {
            id: checkout["id"].as_str().unwrap_or_default().to_string(),
            lines: checkout["lineItems"]
                .as_array()
                .into_iter()
                .flatten()
                .map(line)
                .collect(),
            coupons,
            subtotal: money(&summary["subtotal"]),
            discount: money(&summary["discount"]),
            shipping: Some(&summary["shipping"])
                .filter(|s| !is_zero(s))
                .and_then(money),
            tax: Some(&summary["tax"])
                .filter(|s| !is_zero(s))
                .and_then(money),
            total: money(&summary["total"]),
            pay_now: deposit
                .then(|| money(&checkout["payNow"]["total"]))
                .flatten(),
            pay_later: deposit.then(|| money(pay_later)).flatten(),
            created: checkout["createdDate"].as_str().map(str::to_string),
            settings: Settings {
                lock_coupon: flag(settings, "lockCouponCode"),
                lock_gift_card: flag(settings, "lockGiftCard"),
                no_policy_checkbox: flag(settings, "disabledPolicyAgreementCheckbox"),
                no_manual_payment: flag(settings, "disabledManualPayment"),
                no_continue_shopping: flag(settings, "disabledContinueShoppingButton"),
            },
        }
    }

    /// The coupon code shown in the coupon field.
    pub fn coupon_code(&self) -> &str {
        self.coupons.first().map(|c| c.code.as_str()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_fields_are_not_shown() {
        let view = CheckoutView::of(&json!({"lineItems": [{"quantity": 2}, {}]}));
        assert_eq!(view.lines.len(), 2);
        assert_eq!(view.lines[0].quantity, "2");
        assert!(view.lines[0].price.is_none() && view.total.is_none());
        assert!(view.coupons.is_empty() && !view.settings.lock_coupon);
    }

    #[test]
    fn lines_discounts_and_settings_are_read() {
        let view = CheckoutView::of(&json!({
            "lineItems": [{
                "productName": {"original": "Mug"}, "quantity": 1,
                "price": {"amount": "10", "formattedAmount": "$10.00"},
                "discount": {"amount": "1", "formattedAmount": "$1.00"},
                "media": "wix:image://v1/x", "descriptionLines": [{"name": {"original": "Size"}, "plainText": {"original": "L"}}],
            }],
            "appliedDiscounts": [{"coupon": {"code": "TEN", "amount": {"amount": "1", "formattedAmount": "$1.00"}}}],
            "priceSummary": {"total": {"amount": "9"}, "shipping": {"amount": "0"}},
            "customSettings": {"lockCouponCode": true},
        }));
        let line = &view.lines[0];
        assert_eq!(line.name, "Mug");
        assert_eq!(line.discount.as_deref(), Some("$1.00"));
        assert_eq!(line.image, None);
        let image = CheckoutView::of(
            &json!({"lineItems": [{"media": {"id": "https://x/y.png", "width": 10}}]}),
        );
        assert_eq!(image.lines[0].image.as_deref(), Some("https://x/y.png"));
        assert_eq!(line.description, [("Size".to_string(), "L".to_string())]);
        assert_eq!(view.coupon_code(), "TEN");
        assert_eq!(view.total.as_deref(), Some("9"));
        assert!(view.shipping.is_none());
        assert!(view.settings.lock_coupon && !view.settings.lock_gift_card);
    }
}
