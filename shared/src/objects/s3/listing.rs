//! The two XML answers the S3 adapter reads: a `ListObjectVersions` page
//! (every `Version` and `DeleteMarker`, their `Key` and `VersionId`) and an
//! error's `Code`. A few tags of a fixed shape: read by hand rather than with
//! an XML crate.

/// The versions and delete markers of one page, as (key, version id).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Listing {
    pub(super) versions: Vec<(String, String)>,
}

/// The text of the first `<tag>…</tag>` in `xml`, unescaped.
fn element(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(unescape(&xml[start..end]))
}

/// Every `<tag>…</tag>` block's inside.
fn blocks<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let inner = &rest[start + open.len()..];
        let Some(end) = inner.find(&close) else {
            break;
        };
        found.push(&inner[..end]);
        rest = &inner[end + close.len()..];
    }
    found
}

/// XML's five predefined entities (S3 escapes keys with them).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

impl Listing {
    pub(super) fn parse(body: &[u8]) -> Result<Listing, String> {
        let xml = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
        if !xml.contains("<ListVersionsResult") {
            return Err("not a ListVersionsResult".to_owned());
        }
        let mut versions = Vec::new();
        for block in blocks(xml, "Version")
            .into_iter()
            .chain(blocks(xml, "DeleteMarker"))
        {
            let key = element(block, "Key").ok_or("a version without a Key")?;
            // An unversioned object's version id is the text "null".
            let version = element(block, "VersionId").unwrap_or_else(|| "null".to_owned());
            versions.push((key, version));
        }
        Ok(Listing { versions })
    }
}

/// S3's error `Code` in an error answer, when it has one.
pub(super) fn error_code(body: &[u8]) -> Option<String> {
    element(std::str::from_utf8(body).ok()?, "Code")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of S3's documented ListObjectVersions answer.
    const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>avatars/u1/</Prefix><KeyMarker></KeyMarker>
  <VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>
  <Version><Key>avatars/u1/a.png</Key><VersionId>3/L4kqtJl40Nr8X8gdRQBpUMLUo</VersionId>
    <IsLatest>true</IsLatest><LastModified>2026-12-01T00:00:00.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>
    <StorageClass>STANDARD</StorageClass></Version>
  <DeleteMarker><Key>avatars/u1/b.jpg</Key><VersionId>null</VersionId>
    <IsLatest>true</IsLatest><LastModified>2026-12-01T00:00:01.000Z</LastModified></DeleteMarker>
  <Version><Key>avatars/u1/b.jpg</Key><VersionId>QUpfdndhfd8438MNFDN93jdnJFkdmqnh893</VersionId>
    <IsLatest>false</IsLatest></Version>
</ListVersionsResult>"#;

    #[test]
    fn versions_and_delete_markers_are_read() {
        let listing = Listing::parse(PAGE.as_bytes()).unwrap();
        assert_eq!(
            listing.versions,
            vec![
                (
                    "avatars/u1/a.png".into(),
                    "3/L4kqtJl40Nr8X8gdRQBpUMLUo".into()
                ),
                (
                    "avatars/u1/b.jpg".into(),
                    "QUpfdndhfd8438MNFDN93jdnJFkdmqnh893".into()
                ),
                ("avatars/u1/b.jpg".into(), "null".into()),
            ]
        );
        let empty = r#"<ListVersionsResult><Name>b</Name><IsTruncated>false</IsTruncated></ListVersionsResult>"#;
        assert_eq!(
            Listing::parse(empty.as_bytes()).unwrap(),
            Listing::default()
        );
        assert!(Listing::parse(b"<Error><Code>AccessDenied</Code></Error>").is_err());
        assert!(Listing::parse(b"\xff").is_err());
        let no_key =
            "<ListVersionsResult><Version><VersionId>v</VersionId></Version></ListVersionsResult>";
        assert!(Listing::parse(no_key.as_bytes()).is_err());
    }

    #[test]
    fn error_codes_and_entities() {
        let error = b"<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
        assert_eq!(error_code(error).as_deref(), Some("SlowDown"));
        assert_eq!(error_code(b"").as_deref(), None);
        assert_eq!(
            unescape("a&amp;lt;b &lt;c&gt; &quot;&apos;"),
            "a&lt;b <c> \"'"
        );
    }
}
