//! Redeeming a login ticket: once, before it expires, in the app it was
//! issued for.

use super::{Read, Snapshot, Step};
use crate::domain::AppId;
use crate::store::{Guard, Item, Key, StoreError, TicketItem, Write};

/// The ticket under `key`, if it may be redeemed `now` (in `appid`, when the
/// caller names one): `Commit` uses it up; `Answer(None)` refuses it.
pub fn redeem(
    snapshot: &Snapshot,
    key: &Key,
    appid: Option<&AppId>,
    now: u64,
) -> Result<Step<Option<TicketItem>>, StoreError> {
    let ticket = match snapshot.exists(key) {
        Read::Unread => return Ok(Step::Read(vec![key.clone()])),
        Read::Absent => return Ok(Step::Answer(None)),
        Read::Present(Item::Ticket(ticket)) => ticket,
        Read::Present(_) => return Err(StoreError::Corrupt(format!("{key:?} is not a ticket"))),
    };
    if now >= ticket.expires_at || appid.is_some_and(|a| a != &ticket.app_id) {
        return Ok(Step::Answer(None));
    }
    Ok(Step::Commit {
        // Two redemptions at once: one deletes it, the other reads it gone.
        writes: vec![Write::Delete {
            key: key.clone(),
            guard: Guard::Exists,
        }],
        answer: Some(ticket.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn a_ticket_is_used_once_before_it_expires_in_its_app() {
        let key = Key::ticket("h");
        let ticket = TicketItem {
            app_id: appid(),
            open_id: openid(1),
            union_id: None,
            session_key: key_fixture(),
            expires_at: 100,
        };
        let mut s = Snapshot::default();
        assert_eq!(
            redeem(&s, &key, None, 1).unwrap(),
            Step::Read(vec![key.clone()])
        );
        s.set(key.clone(), Some(Item::Ticket(ticket.clone())));
        let Step::Commit { writes, answer } = redeem(&s, &key, Some(&appid()), 99).unwrap() else {
            panic!("redeemed");
        };
        assert_eq!(answer, Some(ticket));
        assert_eq!(writes[0].guard(), &Guard::Exists);
        assert_eq!(
            redeem(&s, &key, None, 100).unwrap(),
            Step::Answer(None),
            "expired"
        );
        let other = AppId::parse("wxB").unwrap();
        assert_eq!(
            redeem(&s, &key, Some(&other), 1).unwrap(),
            Step::Answer(None),
            "another app"
        );
        s.set(key.clone(), None);
        assert_eq!(
            redeem(&s, &key, None, 1).unwrap(),
            Step::Answer(None),
            "used"
        );
    }

    fn key_fixture() -> crate::domain::SessionKey {
        key()
    }
}
