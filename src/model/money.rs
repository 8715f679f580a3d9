//! Prices in the Wix `MultiCurrencyPrice` shape, computed with exact decimals.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

/// Renders an amount as Wix does: `amount` as a plain decimal string without
/// trailing zeros, `formattedAmount` with the currency symbol and two places.
pub fn price(amount: Decimal, currency: &str) -> Value {
    let plain = amount.normalize().to_string();
    let formatted = format_amount(amount, currency);
    json!({
        "amount": plain,
        "convertedAmount": plain,
        "formattedAmount": formatted,
        "formattedConvertedAmount": formatted,
    })
}

/// Prices already rendered for one checkout. A checkout repeats a few amounts
/// (unit, line total, zero) dozens of times, and rendering a decimal costs
/// more than copying its JSON.
pub struct Prices<'a> {
    currency: &'a str,
    seen: Vec<(Decimal, Value)>,
}

impl<'a> Prices<'a> {
    pub fn new(currency: &'a str) -> Self {
        Prices {
            currency,
            seen: Vec::with_capacity(8),
        }
    }

    pub fn of(&mut self, amount: Decimal) -> Value {
        if let Some((_, v)) = self.seen.iter().find(|(a, _)| *a == amount) {
            return v.clone();
        }
        let v = price(amount, self.currency);
        self.seen.push((amount, v.clone()));
        v
    }
}

pub fn round_currency(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

pub fn format_amount(amount: Decimal, currency: &str) -> String {
    let rounded = round_currency(amount);
    let text = format!("{rounded:.2}");
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let (sign, digits) = int_part
        .strip_prefix('-')
        .map_or(("", int_part), |d| ("-", d));
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match symbol(currency) {
        Some(s) => format!("{sign}{s}{grouped}.{frac}"),
        None => format!("{sign}{currency} {grouped}.{frac}"),
    }
}

fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "USD" | "CAD" | "AUD" | "NZD" | "MXN" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "ILS" => "₪",
        "JPY" => "¥",
        "INR" => "₹",
        "BRL" => "R$",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn formats_like_wix() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(price(d("10.500"), "USD")["amount"], "10.5");
        assert_eq!(price(d("10.500"), "USD")["formattedAmount"], "$10.50");
        assert_eq!(format_amount(d("1234567.005"), "EUR"), "€1,234,567.01");
        assert_eq!(format_amount(d("0"), "CHF"), "CHF 0.00");
        assert_eq!(price(d("100"), "USD")["amount"], "100");
        let mut prices = Prices::new("USD");
        assert_eq!(prices.of(d("5.00")), price(d("5"), "USD"));
        assert_eq!(prices.of(d("5")), price(d("5.00"), "USD"));
        assert_eq!(prices.of(d("7.5")), price(d("7.5"), "USD"));
    }
}
