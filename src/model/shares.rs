//! How a checkout's amounts are shared out, in exact decimals: the coupon's
//! discount over the line items, and each line between what is paid now and
//! what is paid later.

use rust_decimal::prelude::ToPrimitive as _;
use rust_decimal::Decimal;

/// Splits `discount` over lines in proportion to their `totals`, so that the
/// shares sum to `discount` exactly and none is more than its line's total.
///
/// Each share is first rounded down to a unit: a cent, or the finest decimal
/// place among the totals and the discount when that is finer (prices may
/// have three decimals). The units left over then go one each to the lines
/// whose exact shares lost the most to rounding down; among equal losses, to
/// the earlier line. (The largest remainder method.)
pub fn spread(discount: Decimal, totals: &[Decimal]) -> Vec<Decimal> {
    let sum = totals
        .iter()
        .fold(Decimal::ZERO, |sum, t| sum.saturating_add(*t));
    if discount <= Decimal::ZERO || sum <= Decimal::ZERO {
        return vec![Decimal::ZERO; totals.len()];
    }
    let discount = discount.min(sum);
    let mut scale = totals
        .iter()
        .chain([&discount])
        .map(|d| d.normalize().scale())
        .max()
        .unwrap_or(0)
        .max(2);
    // Finer units than a decimal can count for this discount are no use.
    while scale > 0 && discount.checked_div(Decimal::new(1, scale)).is_none() {
        scale -= 1;
    }
    let unit = Decimal::new(1, scale);
    let in_units = discount / unit;
    // In units: the exact share, what rounding down keeps, what it loses.
    // (discount × total first, as it is exact; by the ratio when that would
    // not fit a decimal.)
    let exact: Vec<Decimal> = totals
        .iter()
        .map(|t| {
            discount
                .checked_mul(*t)
                .map_or_else(|| (*t / sum).saturating_mul(in_units), |x| x / sum / unit)
        })
        .collect();
    let mut shares: Vec<Decimal> = exact.iter().map(|e| e.floor()).collect();
    let left = (in_units - shares.iter().sum::<Decimal>())
        .round()
        .max(Decimal::ZERO);
    let mut by_loss: Vec<usize> = (0..totals.len()).collect();
    by_loss.sort_by(|a, b| (exact[*b] - shares[*b]).cmp(&(exact[*a] - shares[*a])));
    let left = left.to_usize().unwrap_or(0);
    for i in by_loss.into_iter().take(left) {
        shares[i] += Decimal::ONE;
    }
    shares.into_iter().map(|s| (s * unit).normalize()).collect()
}

/// An amount of a price summary: before the discount, and the discount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Part {
    pub subtotal: Decimal,
    pub discount: Decimal,
}

impl Part {
    fn of(subtotal: Decimal) -> Part {
        Part {
            subtotal,
            discount: Decimal::ZERO,
        }
    }

    pub fn total(self) -> Decimal {
        self.subtotal - self.discount
    }
}

impl std::ops::AddAssign for Part {
    /// Saturating: no template's amounts may take the emulator down.
    fn add_assign(&mut self, other: Part) {
        self.subtotal = self.subtotal.saturating_add(other.subtotal);
        self.discount = self.discount.saturating_add(other.discount);
    }
}

/// One line as paying it needs: its total before the discount, its share of
/// the discount, its deposit and its modifiers (both for its whole quantity).
#[derive(Debug, Clone, Copy)]
pub struct Owed<'a> {
    pub payment_option: &'a str,
    pub total: Decimal,
    pub discount: Decimal,
    pub deposit: Option<Decimal>,
    pub modifiers: Decimal,
}

/// What of a line is paid now and what later, as its `paymentOption` says:
///
/// - `FULL_PAYMENT_ONLINE` (and any other): all of it now;
/// - `FULL_PAYMENT_OFFLINE`: all of it later;
/// - `DEPOSIT_ONLINE`: the deposit now (at most what the line costs after its
///   discount), the rest and the discount later; without a deposit, all now;
/// - `MEMBERSHIP`: the price is charged to a membership, so only what it does
///   not cover, the modifiers, is paid, and now;
/// - `MEMBERSHIP_OFFLINE`, `MEMBERSHIP_ONLINE_WITH_OFFLINE_REMAINDER`: the
///   same, paid later.
pub fn pay_now_and_later(line: Owed) -> (Part, Part) {
    let whole = Part {
        subtotal: line.total,
        discount: line.discount,
    };
    let after_discount = whole.total().max(Decimal::ZERO);
    let uncovered = Part::of(line.modifiers.min(after_discount));
    match line.payment_option {
        "FULL_PAYMENT_OFFLINE" => (Part::default(), whole),
        "DEPOSIT_ONLINE" => match line.deposit {
            Some(deposit) => {
                let now = deposit.clamp(Decimal::ZERO, after_discount);
                let later = Part {
                    subtotal: line.total - now,
                    discount: line.discount,
                };
                (Part::of(now), later)
            }
            None => (whole, Part::default()),
        },
        "MEMBERSHIP" => (uncovered, Part::default()),
        "MEMBERSHIP_OFFLINE" | "MEMBERSHIP_ONLINE_WITH_OFFLINE_REMAINDER" => {
            (Part::default(), uncovered)
        }
        _ => (whole, Part::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ds(v: &[&str]) -> Vec<Decimal> {
        v.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn shares_sum_exactly_and_leftover_cents_go_to_the_largest_remainders() {
        // 10 % of 32.69 is 3.27: exact shares 2.4697… and 0.8002… round down to
        // 2.46 and 0.80; the cent left goes to the first line, which lost more.
        assert_eq!(
            spread(d("3.27"), &ds(&["24.69", "8"])),
            ds(&["2.47", "0.8"])
        );
        // Three equal lines, one cent: to the earliest of the tied remainders.
        assert_eq!(
            spread(d("0.01"), &ds(&["1", "1", "1"])),
            ds(&["0.01", "0", "0"])
        );
        assert_eq!(
            spread(d("10"), &ds(&["10", "10", "10"])),
            ds(&["3.34", "3.33", "3.33"])
        );
        for (discount, totals) in [
            ("5.78", vec!["25", "20", "12.75"]),
            ("99.99", vec!["0.333", "33.333", "66.334", "0"]),
            ("0.07", vec!["0.01", "0.02", "0.03", "0.04"]),
        ] {
            let totals = ds(&totals);
            let shares = spread(d(discount), &totals);
            assert_eq!(shares.iter().sum::<Decimal>(), d(discount), "{discount}");
            for (s, t) in shares.iter().zip(&totals) {
                assert!(s <= t && *s >= Decimal::ZERO, "{s} of {t}");
            }
        }
    }

    #[test]
    fn sub_cent_prices_are_shared_in_their_own_unit() {
        assert_eq!(
            spread(d("0.01"), &ds(&["0.005", "0.005"])),
            ds(&["0.005", "0.005"])
        );
    }

    #[test]
    fn nothing_to_share() {
        assert_eq!(spread(Decimal::ZERO, &ds(&["5", "6"])), ds(&["0", "0"]));
        assert_eq!(spread(d("1"), &ds(&["0", "0"])), ds(&["0", "0"]));
        assert_eq!(spread(d("1"), &[]), Vec::<Decimal>::new());
        assert_eq!(
            spread(d("20"), &ds(&["5", "5"])),
            ds(&["5", "5"]),
            "at most the total"
        );
    }

    fn owed<'a>(option: &'a str, deposit: Option<&str>) -> Owed<'a> {
        Owed {
            payment_option: option,
            total: d("30"),
            discount: d("3"),
            deposit: deposit.map(d),
            modifiers: d("4"),
        }
    }

    fn part(subtotal: &str, discount: &str) -> Part {
        Part {
            subtotal: d(subtotal),
            discount: d(discount),
        }
    }

    #[test]
    fn each_payment_option_pays_now_or_later() {
        let none = Part::default();
        let cases = [
            (owed("FULL_PAYMENT_ONLINE", None), part("30", "3"), none),
            (owed("FULL_PAYMENT_OFFLINE", None), none, part("30", "3")),
            (
                owed("DEPOSIT_ONLINE", Some("10")),
                part("10", "0"),
                part("20", "3"),
            ),
            (
                owed("DEPOSIT_ONLINE", Some("100")),
                part("27", "0"),
                part("3", "3"),
            ),
            (owed("DEPOSIT_ONLINE", None), part("30", "3"), none),
            (owed("MEMBERSHIP", None), part("4", "0"), none),
            (owed("MEMBERSHIP_OFFLINE", None), none, part("4", "0")),
            (
                owed("MEMBERSHIP_ONLINE_WITH_OFFLINE_REMAINDER", None),
                none,
                part("4", "0"),
            ),
        ];
        for (line, now, later) in cases {
            assert_eq!(pay_now_and_later(line), (now, later), "{line:?}");
        }
    }
}
