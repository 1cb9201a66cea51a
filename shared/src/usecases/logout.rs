//! Logout: the presented token is revoked until it would expire anyway.

use crate::store::{Guard, Item, ItemStore, Key, RevokedItem, StoreError, Write};
use crate::tokens::Caller;

pub async fn revoke(store: &dyn ItemStore, caller: &Caller) -> Result<(), StoreError> {
    let revoked = Write::Put {
        key: Key::revoked(&caller.token_id),
        item: Item::Revoked(RevokedItem {
            user_id: caller.subject.user_id.clone(),
            expires_at: caller.expires_at,
        }),
        guard: Guard::Always,
    };
    store.commit(&[revoked]).await?;
    tracing::info!(user_id = %caller.subject.user_id, "token revoked (logout)");
    Ok(())
}
