//! A nickname the user typed (`<input type="nickname">`), parsed once at the
//! edge: trimmed, NFC-normalised, 1 to 30 characters, no control or invisible
//! characters.

use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// The most characters (Unicode scalar values, after NFC) a nickname has.
pub const MAX_NICKNAME_CHARS: usize = 30;

/// A nickname that passed its shape check.
#[derive(Clone, PartialEq, Eq)]
pub struct NickName(String);

/// Why a nickname is refused; the message tells the user what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidNickName {
    #[error("the nickname is empty")]
    Empty,
    #[error("the nickname is {0} characters long; at most 30 are allowed")]
    TooLong(usize),
    /// A control character, or an invisible one (zero-width, bidi control).
    #[error("the nickname contains an invisible or control character (U+{0:04X})")]
    Invisible(u32),
}

/// Characters that show nothing, or reorder what follows: zero-width space,
/// non-joiner, joiner (outside emoji, see [`NickName::parse`]), LRM/RLM, word
/// joiner, BOM, and the bidi embeddings, overrides and isolates.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}')
}

/// Pictographs an emoji ZWJ sequence joins (👩‍💻, 🏳️‍🌈, 👨🏽‍⚕️): the
/// miscellaneous symbols and dingbats, and the supplementary emoji planes.
fn pictographic(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{27BF}' | '\u{1F000}'..='\u{1FAFF}')
}

impl NickName {
    /// Trims, normalises to NFC, then checks: 1 to [`MAX_NICKNAME_CHARS`]
    /// characters, no control character (Unicode `Cc`) and no invisible one
    /// (U+200B–U+200F, U+2060, U+FEFF, U+202A–U+202E, U+2066–U+2069). The one
    /// exception is the zero-width joiner (U+200D) inside an emoji sequence,
    /// between a pictograph (or its variation selector U+FE0F) and another
    /// pictograph, where it is part of one visible emoji.
    pub fn parse(text: &str) -> Result<Self, InvalidNickName> {
        let normal: String = text.trim().nfc().collect();
        let chars: Vec<char> = normal.chars().collect();
        if chars.is_empty() {
            return Err(InvalidNickName::Empty);
        }
        for (i, &c) in chars.iter().enumerate() {
            let in_emoji = c == '\u{200D}'
                && i > 0
                && (pictographic(chars[i - 1]) || chars[i - 1] == '\u{FE0F}')
                && chars.get(i + 1).copied().is_some_and(pictographic);
            if c.is_control() || (invisible(c) && !in_emoji) {
                return Err(InvalidNickName::Invisible(u32::from(c)));
            }
        }
        if chars.len() > MAX_NICKNAME_CHARS {
            return Err(InvalidNickName::TooLong(chars.len()));
        }
        Ok(Self(normal))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NickName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// User input: logs get its length, not its text.
impl fmt::Debug for NickName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NickName({} chars)", self.0.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        NickName::parse(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .as_str()
            .to_owned()
    }

    #[test]
    fn chinese_emoji_and_mixed_text_are_kept_trimmed() {
        assert_eq!(ok("  小明同学 "), "小明同学");
        assert_eq!(ok("\u{3000}阿花\t"), "阿花", "ideographic space trims too");
        assert_eq!(ok("Band 乐队 🎸"), "Band 乐队 🎸");
        assert_eq!(ok("👩‍💻 程序媛"), "👩‍💻 程序媛", "a ZWJ emoji sequence");
        assert_eq!(ok("🏳️‍🌈"), "🏳️‍🌈", "ZWJ after a variation selector");
        assert_eq!(ok("👨🏽‍⚕️"), "👨🏽‍⚕️", "ZWJ after a skin tone");
        assert_eq!(ok("a"), "a");
    }

    #[test]
    fn combining_characters_are_normalised_and_counted_after_nfc() {
        // e + U+0301 is é once composed: one character, not two.
        let decomposed = "Jose\u{301}";
        assert_eq!(ok(decomposed), "Jos\u{e9}");
        assert_eq!(
            NickName::parse(&"e\u{301}".repeat(30))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            30
        );
        // Hangul jamo compose to syllables.
        assert_eq!(ok("\u{1100}\u{1161}"), "\u{AC00}");
        // A combining mark with no precomposed form stays, and counts.
        assert_eq!(ok("q\u{301}").chars().count(), 2);
    }

    #[test]
    fn lengths_are_one_to_thirty_characters() {
        assert_eq!(NickName::parse(""), Err(InvalidNickName::Empty));
        assert_eq!(NickName::parse(" \u{3000} "), Err(InvalidNickName::Empty));
        assert_eq!(ok(&"字".repeat(30)).chars().count(), 30);
        assert_eq!(
            NickName::parse(&"字".repeat(31)),
            Err(InvalidNickName::TooLong(31))
        );
        // Emoji count by scalar value: 🎸 is one, 👩‍💻 three.
        assert_eq!(ok(&"🎸".repeat(30)).chars().count(), 30);
        assert_eq!(
            NickName::parse(&"👩‍💻".repeat(10)).map(|n| n.as_str().chars().count()),
            Ok(30)
        );
        assert!(matches!(
            NickName::parse(&"👩‍💻".repeat(11)),
            Err(InvalidNickName::TooLong(33))
        ));
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        for (text, code) in [
            ("a\u{0}b", 0x0),
            ("a\nb", 0xA),
            ("a\u{7F}", 0x7F),
            ("a\u{85}b", 0x85),
            ("a\u{200B}b", 0x200B),
            ("a\u{200C}b", 0x200C),
            ("a\u{200D}b", 0x200D),
            ("a\u{200E}", 0x200E),
            ("a\u{200F}", 0x200F),
            ("a\u{2060}b", 0x2060),
            ("\u{FEFF}a", 0xFEFF),
            ("a\u{202E}txt.exe", 0x202E),
            ("a\u{202A}b", 0x202A),
            ("a\u{2066}b\u{2069}", 0x2066),
            ("a\u{2069}", 0x2069),
            ("🎸\u{200D}", 0x200D),
            ("\u{200D}🎸", 0x200D),
        ] {
            assert_eq!(
                NickName::parse(text),
                Err(InvalidNickName::Invisible(code)),
                "{text:?}"
            );
        }
        let message = NickName::parse("a\u{202E}b").unwrap_err().to_string();
        assert!(message.contains("U+202E"), "{message}");
    }

    #[test]
    fn debug_does_not_show_the_text() {
        assert_eq!(
            format!("{:?}", NickName::parse("小明").unwrap()),
            "NickName(2 chars)"
        );
    }
}
