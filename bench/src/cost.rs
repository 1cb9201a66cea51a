//! What a million of one operation costs, from its Lambda durations, its
//! DynamoDB request units and the fees of others (SMS, WeChat), at the
//! prices of [`crate::prices`].

use crate::capacity::Units;
use crate::prices::{Item, usd_each};

/// Invocations priced at a time.
pub const MILLION: f64 = 1e6;

/// A function's billed durations: Lambda bills wall time rounded up to the
/// ms, at the function's memory size, and on a cold start the INIT phase
/// with the first invocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lambda {
    pub memory_mb: u32,
    /// A warm invocation's wall time.
    pub warm_ms: f64,
    /// A cold invocation's: init and the first invocation.
    pub cold_ms: f64,
}

impl Lambda {
    pub fn billed_warm_ms(&self) -> f64 {
        self.warm_ms.ceil()
    }

    pub fn billed_cold_ms(&self) -> f64 {
        self.cold_ms.ceil()
    }

    /// GB-seconds of a million invocations, `cold_rate` of them cold.
    pub fn gb_seconds(&self, cold_rate: f64) -> f64 {
        let ms = (1.0 - cold_rate) * self.billed_warm_ms() + cold_rate * self.billed_cold_ms();
        MILLION * ms / 1_000.0 * f64::from(self.memory_mb) / 1_024.0
    }

    /// A million invocations: duration and requests, in US dollars.
    pub fn usd(&self, cold_rate: f64) -> f64 {
        self.gb_seconds(cold_rate) * usd_each(Item::LambdaArmGbSecond)
            + MILLION * usd_each(Item::LambdaRequest)
    }
}

/// A fee someone other than AWS charges per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fee {
    None,
    /// One SMS sent.
    Sms,
    /// One phone number fetched from WeChat.
    WeChatPhone,
}

impl Fee {
    /// A million of them, in US dollars.
    pub fn usd(self) -> f64 {
        match self {
            Self::None => 0.0,
            Self::Sms => MILLION * usd_each(Item::Sms),
            Self::WeChatPhone => MILLION * usd_each(Item::WeChatPhoneNumber),
        }
    }
}

/// A million operations, part by part, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bill {
    pub lambda: f64,
    pub api: f64,
    pub dynamodb: f64,
    pub fee: f64,
}

impl Bill {
    /// A million operations, each one API request and one invocation of
    /// `lambda`, using `units` of DynamoDB and paying `fee`.
    pub fn of(lambda: &Lambda, units: Units, fee: Fee, cold_rate: f64) -> Self {
        Self {
            lambda: lambda.usd(cold_rate),
            api: MILLION * usd_each(Item::HttpApiRequest),
            dynamodb: MILLION
                * (units.read * usd_each(Item::DynamoDbRead)
                    + units.write * usd_each(Item::DynamoDbWrite)),
            fee: fee.usd(),
        }
    }

    pub fn total(&self) -> f64 {
        self.lambda + self.api + self.dynamodb + self.fee
    }

    /// The largest part's name.
    pub fn largest(&self) -> &'static str {
        [
            (self.lambda, "Lambda"),
            (self.api, "the HTTP API"),
            (self.dynamodb, "DynamoDB"),
            (self.fee, "the SMS or WeChat fee"),
        ]
        .into_iter()
        .fold(
            (f64::MIN, ""),
            |best, part| if part.0 > best.0 { part } else { best },
        )
        .1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::CNY_PER_USD;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn billed_durations_round_up_to_the_ms() {
        let f = Lambda {
            memory_mb: 128,
            warm_ms: 9.01,
            cold_ms: 120.0,
        };
        assert_eq!(f.billed_warm_ms(), 10.0);
        assert_eq!(f.billed_cold_ms(), 120.0);
    }

    #[test]
    fn a_million_invocations_cost_their_gb_seconds_and_requests() {
        let f = Lambda {
            memory_mb: 128,
            warm_ms: 10.0,
            cold_ms: 100.0,
        };
        // All warm: 10^6 × 0.010 s × 0.125 GB = 1,250 GB-s.
        assert!(close(f.gb_seconds(0.0), 1_250.0));
        assert!(close(f.usd(0.0), 1_250.0 * 0.000_013_333_4 + 0.20));
        // 1 % cold: 0.99 × 10 ms + 0.01 × 100 ms = 10.9 ms on average.
        assert!(close(f.gb_seconds(0.01), 1_362.5));
        // 256 MB doubles the duration's part, not the requests'.
        let g = Lambda {
            memory_mb: 256,
            ..f
        };
        assert!(close(g.usd(0.0) - 0.20, 2.0 * (f.usd(0.0) - 0.20)));
    }

    #[test]
    fn a_bill_adds_lambda_the_api_dynamodb_and_the_fees() {
        let f = Lambda {
            memory_mb: 128,
            warm_ms: 10.0,
            cold_ms: 100.0,
        };
        let units = Units {
            read: 2.0,
            write: 4.0,
        };
        let bill = Bill::of(&f, units, Fee::WeChatPhone, 0.0);
        assert!(close(bill.api, 1.00));
        assert!(close(bill.dynamodb, 2.0 * 0.125 + 4.0 * 0.625));
        assert!(close(bill.fee, 30_000.0 / CNY_PER_USD));
        assert!(close(bill.total(), bill.lambda + 1.00 + 2.75 + bill.fee));
        assert_eq!(bill.largest(), "the SMS or WeChat fee");
        let plain = Bill::of(&f, units, Fee::None, 0.0);
        assert_eq!(plain.fee, 0.0);
        assert_eq!(plain.largest(), "DynamoDB");
        assert!(close(Fee::Sms.usd(), 45_000.0 / CNY_PER_USD));
    }
}
