//! Counts within a time window: how the SMS and password limits count. Each
//! count is one item per number or source address, guarded by its version, so
//! that racing requests are all counted; the table's TTL removes it when its
//! window ends.

use super::{Read, Snapshot};
use crate::store::{Guard, Item, Key, LimitItem, StoreError, Write};

/// The count `item` makes in the window starting `window`, if it is one.
pub(super) fn count_in(item: Option<&LimitItem>, window: u64) -> u32 {
    item.filter(|i| i.window == window).map_or(0, |i| i.count)
}

/// The write that counts one more in the window starting `window` and
/// lasting `span` (a new window starts from one).
pub(super) fn limit_item(
    key: &Key,
    item: Option<&LimitItem>,
    window: u64,
    span: u64,
    now: u64,
) -> Write {
    let next = LimitItem {
        window,
        count: count_in(item, window) + 1,
        last_at: now,
        expires_at: window + span,
        version: item.map_or(1, |i| i.version + 1),
    };
    Write::Put {
        key: key.clone(),
        item: Item::Limit(next),
        guard: item.map_or(Guard::Absent, |i| Guard::Version(i.version)),
    }
}

/// The count stored under `key`, if any.
pub(super) fn limit_of<'a>(
    snapshot: &'a Snapshot,
    key: &Key,
) -> Result<Option<&'a LimitItem>, StoreError> {
    Ok(match snapshot.exists(key) {
        Read::Present(Item::Limit(item)) => Some(item),
        Read::Present(_) => return Err(StoreError::Corrupt(format!("{key:?} is not a limit"))),
        _ => None,
    })
}
