//! DynamoDB's read and write request units of each request, computed from
//! what the request asked (the proxy's copy of its body: which items, which
//! kind of read) and the sizes of the items it touched, by DynamoDB's
//! documented rules. The emulator's own `ConsumedCapacity` is not used: moto
//! answers fixed values whatever the item.
//!
//! The rules (developer guide, "DynamoDB item sizes and formats" and "read
//! and write operations"; transactions as characterised against DynamoDB by
//! paritysuite/dynamodb-conformance#67):
//! - an item's size is the sum of its attribute names and values: strings and
//!   binaries their bytes, numbers 1 byte per two significant digits + 1,
//!   booleans and nulls 1, lists and maps 3 + 1 per element + their contents;
//! - a write costs 1 unit per KB (rounded up, at least 1) of the larger of the
//!   item before and after (a delete: the item deleted), 2 per KB for each
//!   item of a transaction, `ConditionCheck` included;
//! - a read costs 1 unit per 4 KB of the item (at least 1, so a missing item
//!   costs 1 too), half for an eventually consistent read, 2 in a
//!   transaction; a `BatchGetItem` counts each item on its own.
//!
//! "Before" and "after" are the table around the whole operation (scanned
//! before and after it), not around each request: an item two requests of
//! one operation touch is counted at its larger size. Under 1 KB, as the
//! bench's items are (its census says so), that changes no unit.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// The table's key attribute (template.yaml: `pk`, a string, no sort key).
pub const KEY: &str = "pk";

/// Items of the table by key, as their size in bytes.
pub type Sizes = HashMap<String, u64>;

/// Read and write request units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

impl std::ops::Add for Units {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            read: self.read + other.read,
            write: self.write + other.write,
        }
    }
}

/// An item's size in bytes, as DynamoDB counts it, from its DynamoDB JSON
/// (`{"pk": {"S": "…"}, …}`).
pub fn item_size(item: &Map<String, Value>) -> u64 {
    item.iter()
        .map(|(name, value)| name.len() as u64 + value_size(value))
        .sum()
}

/// A typed value's size (`{"S": "…"}`, `{"N": "…"}`, `{"M": {…}}`, …).
fn value_size(typed: &Value) -> u64 {
    let Some((kind, value)) = typed.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    let text = || value.as_str().unwrap_or_default();
    let each = |f: fn(&str) -> u64| {
        value.as_array().map_or(0, |xs| {
            xs.iter().map(|x| f(x.as_str().unwrap_or_default())).sum()
        })
    };
    match kind.as_str() {
        "S" => text().len() as u64,
        "N" => number_size(text()),
        "B" => binary_size(text()),
        "BOOL" | "NULL" => 1,
        "SS" => each(|s| s.len() as u64),
        "NS" => each(number_size),
        "BS" => each(binary_size),
        "L" => {
            3 + value
                .as_array()
                .map_or(0, |xs| xs.iter().map(|x| 1 + value_size(x)).sum())
        }
        "M" => {
            3 + value.as_object().map_or(0, |m| {
                m.iter()
                    .map(|(name, x)| 1 + name.len() as u64 + value_size(x))
                    .sum()
            })
        }
        _ => 0,
    }
}

/// 1 byte per two significant digits, + 1: leading and trailing zeros, the
/// sign, the point and an exponent do not count.
fn number_size(text: &str) -> u64 {
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len() as u64;
    significant.max(1).div_ceil(2) + 1
}

/// The raw bytes of a base64 value.
fn binary_size(base64: &str) -> u64 {
    let padding = base64.bytes().rev().take_while(|b| *b == b'=').count() as u64;
    (base64.len() as u64 / 4 * 3).saturating_sub(padding)
}

/// Write units of one item of `bytes` (outside a transaction).
pub fn write_units(bytes: u64) -> u64 {
    bytes.div_ceil(1024).max(1)
}

/// Read units of one strongly consistent read of an item of `bytes` (0: missing).
pub fn read_units(bytes: u64) -> u64 {
    bytes.div_ceil(4096).max(1)
}

/// The key of an item or of a request's `Key`, as the table keys it.
pub fn key_of(item: &Value) -> Option<String> {
    item.get(KEY)?.get("S")?.as_str().map(str::to_owned)
}

/// The units of one request of `operation` with `body`, given the sizes of
/// the table's items before and after the operation it belongs to. Errors
/// for an operation these rules do not cover, so no request goes uncounted.
pub fn units(
    operation: &str,
    body: &Value,
    before: &Sizes,
    after: &Sizes,
) -> Result<Units, String> {
    let size = |sizes: &Sizes, key: &Value| key_of(key).and_then(|k| sizes.get(&k).copied());
    let key = |request: &Value| request.get("Key").cloned().unwrap_or_default();
    // A write's size: the larger of the item before and after.
    let written = |request: &Value, new: Option<u64>| {
        let k = request.get("Item").cloned().unwrap_or_else(|| key(request));
        let after = new.or_else(|| size(after, &k)).unwrap_or(0);
        write_units(size(before, &k).unwrap_or(0).max(after))
    };
    let put_size = |request: &Value| {
        request
            .get("Item")
            .and_then(Value::as_object)
            .map(item_size)
    };
    let read = |request: &Value, keys: &Value| {
        let units = read_units(size(before, keys).unwrap_or(0)) as f64;
        match request.get("ConsistentRead").and_then(Value::as_bool) {
            Some(true) => units,
            _ => units / 2.0,
        }
    };
    let one_write = |w: u64| Units {
        read: 0.0,
        write: w as f64,
    };
    Ok(match operation {
        "GetItem" => Units {
            read: read(body, &key(body)),
            write: 0.0,
        },
        "BatchGetItem" => {
            let tables = body.get("RequestItems").and_then(Value::as_object);
            let read = tables
                .into_iter()
                .flat_map(|t| t.values())
                .flat_map(|table| {
                    table
                        .get("Keys")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|k| read(table, k))
                })
                .sum();
            Units { read, write: 0.0 }
        }
        "TransactGetItems" => {
            let items = body.get("TransactItems").and_then(Value::as_array);
            let read = items
                .into_iter()
                .flatten()
                .filter_map(|item| item.get("Get"))
                .map(|get| 2 * read_units(size(before, &key(get)).unwrap_or(0)))
                .sum::<u64>() as f64;
            Units { read, write: 0.0 }
        }
        "PutItem" => one_write(written(body, put_size(body))),
        "UpdateItem" => one_write(written(body, None)),
        "DeleteItem" => one_write(write_units(size(before, &key(body)).unwrap_or(0))),
        "TransactWriteItems" => {
            let items = body.get("TransactItems").and_then(Value::as_array);
            let mut write = 0;
            for item in items.into_iter().flatten() {
                let (kind, request) = item
                    .as_object()
                    .and_then(|o| o.iter().next())
                    .ok_or_else(|| format!("a transaction item without an action: {item}"))?;
                write += 2 * match kind.as_str() {
                    "Put" => written(request, put_size(request)),
                    "Update" | "ConditionCheck" => written(request, None),
                    "Delete" => write_units(size(before, &key(request)).unwrap_or(0)),
                    other => return Err(format!("a transaction item of kind {other}")),
                };
            }
            one_write(write)
        }
        other => return Err(format!("no capacity rule for {other}")),
    })
}

/// The items of a Scan answer (`{"Items": […]}`), by key, as their size.
pub fn sizes_of(items: &[Value]) -> Sizes {
    items
        .iter()
        .filter_map(|item| Some((key_of(item)?, item_size(item.as_object()?))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    /// An item whose size is exactly `bytes`: `pk` (2 + 8) and `data` (4 + the rest).
    fn item_of(key: &str, bytes: u64) -> Value {
        assert_eq!(key.len(), 8);
        let rest = bytes as usize - 2 - 8 - 4;
        json!({"pk": {"S": key}, "data": {"S": "x".repeat(rest)}})
    }

    fn sizes(items: &[Value]) -> Sizes {
        sizes_of(items)
    }

    #[test]
    fn sizes_follow_the_documented_rules() {
        // Names count; a string counts its UTF-8 bytes.
        assert_eq!(item_size(&object(json!({"pk": {"S": "ab"}}))), 4);
        assert_eq!(item_size(&object(json!({"名": {"S": "跑"}}))), 6);
        // Numbers: 1 byte per two significant digits + 1; zeros trimmed.
        assert_eq!(item_size(&object(json!({"n": {"N": "1700000000"}}))), 1 + 2);
        assert_eq!(item_size(&object(json!({"n": {"N": "-123.45"}}))), 1 + 4);
        assert_eq!(item_size(&object(json!({"n": {"N": "0"}}))), 1 + 2);
        // Binary: raw bytes of the base64; booleans and nulls 1 byte.
        assert_eq!(item_size(&object(json!({"b": {"B": "AAECAw=="}}))), 1 + 4);
        assert_eq!(
            item_size(&object(json!({"t": {"BOOL": true}, "z": {"NULL": true}}))),
            4
        );
        // Lists and maps: 3 bytes + 1 per element + the elements (a map's names too).
        assert_eq!(item_size(&object(json!({"l": {"L": []}}))), 1 + 3);
        assert_eq!(
            item_size(&object(json!({"l": {"L": [{"S": "ab"}, {"N": "7"}]}}))),
            1 + 3 + (1 + 2) + (1 + 2)
        );
        assert_eq!(
            item_size(&object(json!({"m": {"M": {"id": {"S": "abc"}}}}))),
            1 + 3 + 1 + 2 + 3
        );
        assert_eq!(item_size(&object(json!({"s": {"SS": ["a", "bc"]}}))), 1 + 3);
    }

    #[test]
    fn a_write_costs_a_unit_per_kb_and_a_read_one_per_4_kb() {
        assert_eq!(write_units(0), 1);
        assert_eq!(write_units(1024), 1);
        assert_eq!(write_units(1025), 2);
        assert_eq!(write_units(1536), 2, "an item of 1.5 KB costs 2 units");
        assert_eq!(read_units(0), 1, "a missing item still costs a read");
        assert_eq!(read_units(4096), 1);
        assert_eq!(read_units(4097), 2);
    }

    #[test]
    fn requests_are_counted_from_their_bodies_and_the_item_sizes() {
        let small = item_of("USER#abc", 300);
        let large = item_of("USER#big", 1536);
        let before = sizes(&[small.clone(), large.clone()]);
        let grown = item_of("USER#abc", 1100);
        let after = sizes(&[grown.clone(), large.clone()]);
        let key = |k: &str| json!({"pk": {"S": k}});
        let units = |op: &str, body: Value| units(op, &body, &before, &after).unwrap();

        // Reads: strong 1, eventual ½, a missing item all the same.
        assert_eq!(
            units(
                "GetItem",
                json!({"Key": key("USER#abc"), "ConsistentRead": true})
            )
            .read,
            1.0
        );
        assert_eq!(units("GetItem", json!({"Key": key("USER#abc")})).read, 0.5);
        assert_eq!(
            units(
                "GetItem",
                json!({"Key": key("NOPE#123"), "ConsistentRead": true})
            )
            .read,
            1.0
        );
        let batch = json!({"RequestItems": {"t": {
            "Keys": [key("USER#abc"), key("USER#big"), key("NOPE#123")],
            "ConsistentRead": true}}});
        assert_eq!(
            units("BatchGetItem", batch).read,
            3.0,
            "each item on its own"
        );
        let get = json!({"TransactItems": [{"Get": {"Key": key("USER#abc")}}]});
        assert_eq!(units("TransactGetItems", get).read, 2.0);

        // Writes: the larger of before and after.
        assert_eq!(
            units("UpdateItem", json!({"Key": key("USER#abc")})).write,
            2.0,
            "grown past 1 KB"
        );
        assert_eq!(units("PutItem", json!({"Item": small})).write, 1.0);
        assert_eq!(
            units("PutItem", json!({"Item": large})).write,
            2.0,
            "1.5 KB"
        );
        assert_eq!(
            units("DeleteItem", json!({"Key": key("USER#big")})).write,
            2.0
        );
        assert_eq!(
            units("DeleteItem", json!({"Key": key("NOPE#123")})).write,
            1.0
        );

        // A transaction doubles each item, condition checks included.
        let transaction = json!({"TransactItems": [
            {"Put": {"Item": item_of("USER#new", 200)}},
            {"Update": {"Key": key("USER#abc")}},
            {"ConditionCheck": {"Key": key("NOPE#123")}},
            {"Delete": {"Key": key("USER#big")}},
        ]});
        assert_eq!(
            units("TransactWriteItems", transaction),
            Units {
                read: 0.0,
                write: (2 + 2 * 2 + 2 + 2 * 2) as f64
            }
        );
        assert!(
            super::units("Scan", &json!({}), &before, &after).is_err(),
            "uncounted: refused"
        );
    }
}
