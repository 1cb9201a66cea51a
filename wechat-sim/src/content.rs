//! The simulator's content security verdicts (`msg_sec_check`): a fixed word
//! list, so tests and walk-throughs choose the verdict by what they type.
//!
//! | text contains | `suggest` | `label`             |
//! |---------------|-----------|---------------------|
//! | `违规`        | `risky`   | `20001` (politics)  |
//! | `赌博`        | `risky`   | `20006` (illegal)   |
//! | `诈骗`        | `risky`   | `20008` (fraud)     |
//! | `广告`        | `review`  | `10001` (ad)        |
//! | anything else | `pass`    | `100` (normal)      |
//!
//! The first row that matches wins (risky words before review words).

/// One verdict, as `result` and the keyword strategy's `detail` item carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) suggest: &'static str,
    pub(crate) label: u32,
    /// The listed word that decided it; `None` for a pass.
    pub(crate) keyword: Option<&'static str>,
}

/// The word list, in the order it is tried.
const WORDS: [(&str, &str, u32); 4] = [
    ("违规", "risky", 20001),
    ("赌博", "risky", 20006),
    ("诈骗", "risky", 20008),
    ("广告", "review", 10001),
];

/// The verdict on `content`.
pub(crate) fn judge(content: &str) -> Verdict {
    WORDS
        .iter()
        .find(|(word, _, _)| content.contains(word))
        .map(|&(word, suggest, label)| Verdict {
            suggest,
            label,
            keyword: Some(word),
        })
        .unwrap_or(Verdict {
            suggest: "pass",
            label: 100,
            keyword: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_list_decides() {
        let v = |text: &str| {
            let v = judge(text);
            (v.suggest, v.label)
        };
        assert_eq!(v("小明"), ("pass", 100));
        assert_eq!(v("Alice 🐱"), ("pass", 100));
        assert_eq!(v("违规昵称"), ("risky", 20001));
        assert_eq!(v("赌博"), ("risky", 20006));
        assert_eq!(v("诈骗犯"), ("risky", 20008));
        assert_eq!(v("卖广告的"), ("review", 10001));
        assert_eq!(v("广告和违规"), ("risky", 20001), "risky words first");
        assert_eq!(judge("广告").keyword, Some("广告"));
        assert_eq!(judge("ok").keyword, None);
    }
}
