//! Request bodies: typed JSON objects whose text fields are read as [`Text`],
//! so that a missing field and a field of the wrong type each get a message
//! naming the field.

use super::ApiError;
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, IgnoredAny, Visitor};
use std::fmt;

/// Parses a JSON body into `T`, or answers 400 with `usage`.
pub(super) fn parse_json<T: DeserializeOwned>(body: &[u8], usage: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request(usage))
}

/// A body field meant to be a string, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Text {
    /// Absent, or `null`.
    Missing,
    Given(String),
    /// Present, but a number, boolean, array or object.
    OtherType,
}

impl Text {
    /// The string if one was given; a value of another type is a 400 naming
    /// the field.
    pub(super) fn optional(self, name: &str) -> Result<Option<String>, ApiError> {
        match self {
            Self::Missing => Ok(None),
            Self::Given(text) => Ok(Some(text)),
            Self::OtherType => Err(ApiError::bad_request(format!(
                "field \"{name}\" must be a string"
            ))),
        }
    }

    /// The string; absent, `null` or another type is a 400 naming the field.
    pub(super) fn required(self, name: &str) -> Result<String, ApiError> {
        self.optional(name)?
            .ok_or_else(|| ApiError::bad_request(format!("field \"{name}\" is required")))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // As an option: serde reads an absent field this way too, as `None`.
        deserializer.deserialize_option(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::Missing)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::Missing)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
        Ok(Text::Given(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
        Ok(Text::Given(text))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
        Ok(Text::OtherType)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text, E> {
        Ok(Text::OtherType)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text, E> {
        Ok(Text::OtherType)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
        Ok(Text::OtherType)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text::OtherType)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text::OtherType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        field: Text,
    }

    fn field(json: &str) -> Text {
        serde_json::from_str::<Body>(json)
            .unwrap_or_else(|e| panic!("{json}: {e}"))
            .field
    }

    #[test]
    fn each_kind_of_value_is_told_apart() {
        assert_eq!(field("{}"), Text::Missing);
        assert_eq!(field(r#"{"field":null}"#), Text::Missing);
        assert_eq!(field(r#"{"field":""}"#), Text::Given(String::new()));
        assert_eq!(field(r#"{"field":"a\"b"}"#), Text::Given("a\"b".into()));
        assert_eq!(field(r#"{"other":1,"field":"x"}"#), Text::Given("x".into()));
        for other in [
            "5",
            "-1",
            "1.5",
            "true",
            "[]",
            "[1,[2]]",
            r#"{"a":{"b":null}}"#,
        ] {
            assert_eq!(
                field(&format!(r#"{{"field":{other}}}"#)),
                Text::OtherType,
                "{other}"
            );
        }
    }

    #[test]
    fn broken_json_is_still_an_error() {
        for json in [
            r#"{"field":"x""#,
            r#"{"field":1e999}"#,
            r#"{"field":"x","field":"y"}"#,
            r#"{"field":[1,}"#,
            "not json",
            "null",
            "5",
        ] {
            assert!(serde_json::from_str::<Body>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn messages_name_the_field() {
        let message = |result: Result<String, ApiError>| result.unwrap_err().message;
        assert_eq!(
            message(Text::Missing.required("code")),
            "field \"code\" is required"
        );
        assert_eq!(
            message(Text::OtherType.required("code")),
            "field \"code\" must be a string"
        );
        assert_eq!(Text::Missing.optional("appid").unwrap(), None);
        assert_eq!(
            Text::Given("x".into()).required("code").unwrap(),
            "x".to_owned()
        );
    }
}
