//! The invariants of stored accounts, checked over a whole table: what no
//! request may break, however it ends (a race, a fault, a timeout). The
//! checker itself is [`wxauth_shared::store::invariants::check`], which the
//! property tests of the rules (`shared/tests/account_rules.rs`) also run over
//! the in-memory store after every commit; here, the reading of a table.

use wxauth_shared::store::{ItemStore, Items, Key};

pub use wxauth_shared::store::invariants::check;

/// BatchGetItem's limit of keys per request.
const BATCH: usize = 100;

/// Every item under `keys` (a table's listing), read through `store`.
pub async fn read_all(store: &dyn ItemStore, keys: &[String]) -> Items {
    let keys: Vec<Key> = keys
        .iter()
        .map(|k| Key::parse(k).unwrap_or_else(|| panic!("unknown key {k} in the table")))
        .collect();
    let mut items = Items::new();
    for chunk in keys.chunks(BATCH) {
        items.extend(store.get(chunk).await.expect("read the table"));
    }
    items
}
