//! The table's items as the emulator holds them, read with a Scan sent
//! straight to the emulator (not through the counting proxy, so it is not
//! counted): each item's size by key, for the request units of
//! [`crate::capacity`], and the largest item of the table.

use crate::capacity::{Sizes, sizes_of};
use serde_json::{Value, json};

/// How many items the table holds and the largest one's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Census {
    pub items: usize,
    pub largest_bytes: u64,
}

impl Census {
    pub fn of(sizes: &Sizes) -> Self {
        Self {
            items: sizes.len(),
            largest_bytes: sizes.values().copied().max().unwrap_or(0),
        }
    }
}

/// Every item of `table` on the emulator at `AWS_ENDPOINT_URL_DYNAMODB`, by
/// key, as its size in bytes.
pub async fn sizes(table: &str) -> Result<Sizes, String> {
    let emulator = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .map_err(|_| "AWS_ENDPOINT_URL_DYNAMODB is not set".to_owned())?;
    let client = reqwest::Client::new();
    let mut items: Vec<Value> = Vec::new();
    let mut start: Option<Value> = None;
    loop {
        let mut body = json!({ "TableName": table });
        if let Some(key) = start.take() {
            body["ExclusiveStartKey"] = key;
        }
        let text = client
            .post(&emulator)
            .header("X-Amz-Target", "DynamoDB_20120810.Scan")
            .header("Content-Type", "application/x-amz-json-1.0")
            // The emulator reads the region from the credential scope; it
            // checks no signature.
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("Scan of {table}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("Scan of {table}: {e}"))?;
        let answer: Value = serde_json::from_str(&text)
            .map_err(|e| format!("Scan of {table} answered {text:?}: {e}"))?;
        let page = answer["Items"]
            .as_array()
            .ok_or_else(|| format!("Scan of {table} answered {answer}"))?;
        items.extend(page.iter().cloned());
        match answer.get("LastEvaluatedKey") {
            Some(key) if !key.is_null() => start = Some(key.clone()),
            _ => break,
        }
    }
    Ok(sizes_of(&items))
}
