//! The list prices the cost section uses ([`crate::report_cost`]), in one
//! table, each with its region, where it was read and the date of that copy.
//! The search corpus this was written from holds copies of the pages, not the
//! live pages: each date is the copy's (or the price's effective date where
//! the copy gives it), read on 2026-12-03. Update a row, its source and its
//! date together.

/// What a price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// Lambda duration on arm64, per GB-second (first 7.5 billion a month).
    LambdaArmGbSecond,
    /// Lambda requests (invocations), either architecture.
    LambdaRequest,
    /// API Gateway HTTP API requests (first 300 million a month).
    HttpApiRequest,
    /// DynamoDB on-demand write request units.
    DynamoDbWrite,
    /// DynamoDB on-demand read request units.
    DynamoDbRead,
    /// One domestic (mainland China) SMS, a verification code.
    Sms,
    /// One successful `getuserphonenumber` (手机号快速验证组件).
    WeChatPhoneNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    Usd,
    Cny,
}

/// One price: `amount` in `currency` per `quantity` of `unit`.
#[derive(Debug, Clone, Copy)]
pub struct Price {
    pub item: Item,
    pub what: &'static str,
    pub region: &'static str,
    pub amount: f64,
    pub currency: Currency,
    pub quantity: f64,
    pub unit: &'static str,
    pub source: &'static str,
    pub date: &'static str,
}

impl Price {
    /// The price of one unit.
    pub fn each(&self) -> f64 {
        self.amount / self.quantity
    }
}

/// Every price of the section.
pub const PRICES: &[Price] = &[
    Price {
        item: Item::LambdaArmGbSecond,
        what: "Lambda duration, arm64 (first 7.5 billion GB-s a month)",
        region: "us-east-1",
        amount: 0.000_013_333_4,
        currency: Currency::Usd,
        quantity: 1.0,
        unit: "GB-second",
        // The page renders its prices client-side; the figure is the AWS
        // Price List API's (SKU 72SBSFWPMDTH8S3J, effective 2025-10-01) as a
        // public transcription of 2025-10-28 gives it; the tiers are the
        // compute blog's "Introducing tiered pricing for AWS Lambda".
        source: "https://aws.amazon.com/lambda/pricing/",
        date: "2025-10-01",
    },
    Price {
        item: Item::LambdaRequest,
        what: "Lambda requests",
        region: "us-east-1",
        amount: 0.20,
        currency: Currency::Usd,
        quantity: 1e6,
        unit: "requests",
        source: "https://aws.amazon.com/lambda/pricing/",
        date: "2025-10-01",
    },
    Price {
        item: Item::HttpApiRequest,
        what: "API Gateway HTTP API requests (first 300 million a month)",
        region: "us-east-1",
        amount: 1.00,
        currency: Currency::Usd,
        quantity: 1e6,
        unit: "requests",
        // Price List API, SKU FC2TWT2UEPTBKVBX, effective 2025-07-01.
        source: "https://aws.amazon.com/api-gateway/pricing/",
        date: "2025-07-01",
    },
    Price {
        item: Item::DynamoDbWrite,
        what: "DynamoDB on-demand write request units",
        region: "us-east-1",
        amount: 0.625,
        currency: Currency::Usd,
        quantity: 1e6,
        unit: "WRU",
        // Half the earlier $1.25: on-demand throughput was cut by 50 %
        // from 2024-11-01 (copies of the page and reports of 2025 agree).
        source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        date: "2024-11-01",
    },
    Price {
        item: Item::DynamoDbRead,
        what: "DynamoDB on-demand read request units",
        region: "us-east-1",
        amount: 0.125,
        currency: Currency::Usd,
        quantity: 1e6,
        unit: "RRU",
        source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        date: "2024-11-01",
    },
    Price {
        item: Item::Sms,
        what: "SMS verification code, mainland China (Tencent Cloud: 100,000-message package ¥4,500; Aliyun pay-as-you-go up to 100,000 a month: the same)",
        region: "mainland China",
        amount: 0.045,
        currency: Currency::Cny,
        quantity: 1.0,
        unit: "message",
        // Tencent sells domestic messages only in packages (¥0.043 each in
        // the 1,000,000 one); Aliyun's pay-as-you-go tier is
        // https://help.aliyun.com/zh/sms/product-overview/billing-of-messages-sent-to-chinese-mainland.
        // Both as a public project's notes transcribed them on 2026-10-06.
        source: "https://cloud.tencent.com/document/product/382/8414",
        date: "2026-10-06",
    },
    Price {
        item: Item::WeChatPhoneNumber,
        what: "WeChat phone number by code (手机号快速验证组件), per successful call; 1,000 free per mini-program",
        region: "WeChat",
        amount: 0.03,
        currency: Currency::Cny,
        quantity: 1.0,
        unit: "call",
        // "自2023年8月28日起 … 每次组件调用成功,收费0.03元".
        source: "https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/getPhoneNumber.html",
        date: "2023-08-28",
    },
];

/// Yuan per US dollar, to add the CNY fees to the USD totals. Not a list
/// price and no quote was read: an assumption, stated beside the totals,
/// which also show the CNY fees on their own.
pub const CNY_PER_USD: f64 = 7.1;

/// The price of `item`.
pub fn price(item: Item) -> &'static Price {
    PRICES
        .iter()
        .find(|p| p.item == item)
        .expect("every item has a price")
}

/// One unit of `item`, in US dollars.
pub fn usd_each(item: Item) -> f64 {
    let p = price(item);
    match p.currency {
        Currency::Usd => p.each(),
        Currency::Cny => p.each() / CNY_PER_USD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_has_one_price_with_a_source_and_a_date() {
        for item in [
            Item::LambdaArmGbSecond,
            Item::LambdaRequest,
            Item::HttpApiRequest,
            Item::DynamoDbWrite,
            Item::DynamoDbRead,
            Item::Sms,
            Item::WeChatPhoneNumber,
        ] {
            assert_eq!(PRICES.iter().filter(|p| p.item == item).count(), 1);
            let p = price(item);
            assert!(p.source.starts_with("https://"), "{}", p.what);
            assert_eq!(p.date.len(), 10, "{}", p.what);
        }
        assert_eq!(usd_each(Item::LambdaRequest), 0.20 / 1e6);
        assert!((usd_each(Item::WeChatPhoneNumber) - 0.03 / CNY_PER_USD).abs() < 1e-12);
    }
}
