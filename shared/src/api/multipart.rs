//! The one file of a `multipart/form-data` body, as `wx.uploadFile` sends it:
//! the boundary from the Content-Type header, parts separated by
//! `\r\n--{boundary}`, each with a `Content-Disposition: form-data; name="…"`
//! (and `filename="…"` on the file) and, for the file, a `Content-Type`; the
//! `formData` fields are parts of their own, skipped here. The body ends with
//! `--{boundary}--`.
//!
//! Written here rather than taken from a crate: one file field out of a
//! complete, size-limited body is a few slices, and a streaming parser would
//! bring its own runtime assumptions. Binary-safe: the content of a part ends
//! only at `\r\n--{boundary}` (RFC 2046: the sender picks a boundary that does
//! not occur in the content), so `\r\n--` inside an image is content.

use memchr::memmem;

/// The part named as asked: the file's bytes, borrowed from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart<'a> {
    /// The `filename` parameter: the temporary file's name on the device,
    /// chosen by the client. Informational only.
    pub filename: Option<String>,
    /// The part's own Content-Type header, chosen by the client from the
    /// file name. Informational only: the bytes decide what the file is.
    pub content_type: Option<String>,
    pub bytes: &'a [u8],
}

/// Why no file came out of a body; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("the body is not multipart/form-data (Content-Type {0:?})")]
    NotMultipart(String),
    #[error("the multipart/form-data Content-Type has no boundary")]
    NoBoundary,
    #[error("the form has no field named {0:?}")]
    NoSuchField(String),
    #[error("the multipart body is malformed: {0}")]
    Malformed(&'static str),
    #[error("the multipart body is truncated: {0}")]
    Truncated(&'static str),
}

/// The longest boundary accepted. RFC 2046 allows 70 characters; some
/// clients go beyond, so twice that.
const MAX_BOUNDARY: usize = 140;

/// The first part of `body` named `field`, the body being of `content_type`
/// (the request's Content-Type header).
pub fn file_part<'a>(
    content_type: &str,
    body: &'a [u8],
    field: &str,
) -> Result<FilePart<'a>, MultipartError> {
    let boundary = boundary(content_type)?;
    let delimiter = [b"\r\n--", boundary.as_bytes()].concat();
    let finder = memmem::Finder::new(&delimiter);
    // The first delimiter opens the body, or follows a preamble on a line of
    // its own; either way it is `--{boundary}` after a line start.
    let mut at = if body.starts_with(&delimiter[2..]) {
        delimiter.len() - 2
    } else {
        finder
            .find(body)
            .map(|i| i + delimiter.len())
            .ok_or(MultipartError::Malformed("no boundary line in the body"))?
    };
    loop {
        at = after_delimiter(body, at)?.ok_or_else(|| MultipartError::NoSuchField(field.into()))?;
        let (headers, content_start) = if body[at..].starts_with(b"\r\n") {
            // A part without headers: its blank line comes at once.
            (&body[at..at], at + 2)
        } else {
            let end = memmem::find(&body[at..], b"\r\n\r\n")
                .map(|i| at + i)
                .ok_or(MultipartError::Truncated("a part's headers do not end"))?;
            (&body[at..end], end + 4)
        };
        if finder.find(headers).is_some() {
            return Err(MultipartError::Malformed(
                "a part's headers run into the next boundary",
            ));
        }
        let content_end = finder
            .find(&body[content_start..])
            .map(|i| content_start + i)
            .ok_or(MultipartError::Truncated(
                "a part does not end with a boundary",
            ))?;
        let part = Headers::parse(headers)?;
        at = content_end + delimiter.len();
        if part.name.as_deref() == Some(field) {
            // The part is complete only if its delimiter is too.
            after_delimiter(body, at)?;
            return Ok(FilePart {
                filename: part.filename,
                content_type: part.content_type,
                bytes: &body[content_start..content_end],
            });
        }
    }
}

/// What follows `--{boundary}` at `at`: the start of the next part's headers,
/// or `None` after the closing `--{boundary}--`.
fn after_delimiter(body: &[u8], at: usize) -> Result<Option<usize>, MultipartError> {
    let rest = &body[at..];
    if rest.starts_with(b"--") {
        return Ok(None);
    }
    // Transport padding (RFC 2046: spaces and tabs) before the line break.
    let padding = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    match &rest[padding..] {
        [b'\r', b'\n', ..] => Ok(Some(at + padding + 2)),
        [] | [b'\r'] | [b'-'] => Err(MultipartError::Truncated("the body ends after a boundary")),
        _ => Err(MultipartError::Malformed(
            "a boundary line has trailing characters",
        )),
    }
}

/// The boundary parameter of a `multipart/form-data` media type: parameter
/// names are case-insensitive, the value is a token or a quoted string.
fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut params = content_type.split(';');
    let media_type = params.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart(content_type.to_owned()));
    }
    let value = params
        .filter_map(|param| param.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| unquote(value.trim()))
        .ok_or(MultipartError::NoBoundary)?;
    if value.is_empty() {
        return Err(MultipartError::NoBoundary);
    }
    if value.len() > MAX_BOUNDARY || value.contains(['\r', '\n']) {
        return Err(MultipartError::Malformed(
            "the boundary is too long or spans lines",
        ));
    }
    Ok(value)
}

/// A token as is; a quoted string without its quotes and backslash escapes.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"') else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// The headers of one part that matter here.
struct Headers {
    name: Option<String>,
    filename: Option<String>,
    content_type: Option<String>,
}

impl Headers {
    fn parse(block: &[u8]) -> Result<Headers, MultipartError> {
        let mut headers = Headers {
            name: None,
            filename: None,
            content_type: None,
        };
        if block.is_empty() {
            return Ok(headers);
        }
        // Header values are ASCII in practice; a UTF-8 file name (WeChat on
        // a device sends the temp file's ASCII name) is kept as it is.
        let text = String::from_utf8_lossy(block);
        for line in text.split("\r\n") {
            let (name, value) = line
                .split_once(':')
                .ok_or(MultipartError::Malformed("a part header has no colon"))?;
            let value = value.trim();
            if name.trim().eq_ignore_ascii_case("content-disposition") {
                let mut params = split_params(value).into_iter();
                let kind = params.next().unwrap_or_default();
                if !kind.trim().eq_ignore_ascii_case("form-data") {
                    return Err(MultipartError::Malformed("a part is not form-data"));
                }
                for param in params {
                    let Some((key, value)) = param.split_once('=') else {
                        continue;
                    };
                    let value = unquote(value.trim());
                    match key.trim().to_ascii_lowercase().as_str() {
                        "name" => headers.name = Some(value),
                        "filename" => headers.filename = Some(value),
                        _ => {}
                    }
                }
            } else if name.trim().eq_ignore_ascii_case("content-type") {
                headers.content_type = Some(value.to_owned());
            }
        }
        Ok(headers)
    }
}

/// Splits header parameters at `;` outside quoted strings.
fn split_params(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const JPEG: &[u8] = include_bytes!("../../../tests/fixtures/images/pixel.jpg");
    const PNG: &[u8] = include_bytes!("../../../tests/fixtures/images/pixel.png");
    const WEBP: &[u8] = include_bytes!("../../../tests/fixtures/images/pixel.webp");

    /// A boundary as WebKit/Chromium form encoders make one: `----WebKitFormBoundary`
    /// and 16 letters and digits.
    const BOUNDARY: &str = "----WebKitFormBoundaryq7ZuSx2G0bW8xLkD";

    /// A body as `wx.uploadFile` builds it (the same shape as
    /// `wxauth_tests::upload::upload_file_body`, which says where it comes
    /// from): the `formData` fields first, then the file under `name`, its
    /// Content-Type from the file name, CRLF everywhere, the closing
    /// delimiter and a final CRLF.
    fn upload_body(form_data: &[(&str, &str)], name: &str, file: &str, bytes: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        for (field, value) in form_data {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let media_type = match file.rsplit('.').next() {
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("png") => "image/png",
            Some("webp") => "image/webp",
            _ => "application/octet-stream",
        };
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    fn content_type() -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }

    #[test]
    fn finds_each_fixture_after_the_form_data() {
        for (file, bytes, media_type) in [
            ("tmp_9b1d3c.jpg", JPEG, "image/jpeg"),
            ("tmp_9b1d3c.png", PNG, "image/png"),
            ("tmp_9b1d3c.webp", WEBP, "image/webp"),
        ] {
            let body = upload_body(
                &[("appid", "wx4f4bc4dec97d474b"), ("note", "")],
                "file",
                file,
                bytes,
            );
            let part = file_part(&content_type(), &body, "file").unwrap();
            assert_eq!(part.bytes, bytes, "{file}");
            assert_eq!(part.filename.as_deref(), Some(file));
            assert_eq!(part.content_type.as_deref(), Some(media_type));
        }
    }

    #[test]
    fn form_fields_are_parts_too() {
        let body = upload_body(&[("appid", "wx4f4bc4dec97d474b")], "file", "a.png", PNG);
        let part = file_part(&content_type(), &body, "appid").unwrap();
        assert_eq!(part.bytes, b"wx4f4bc4dec97d474b");
        assert_eq!((part.filename, part.content_type), (None, None));
    }

    #[test]
    fn the_first_part_of_the_name_wins() {
        let mut body = upload_body(&[], "file", "a.png", PNG);
        // Drop the closing delimiter's `--\r\n`, then add a second file part.
        body.truncate(body.len() - 4);
        body.extend_from_slice(
            b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.jpg\"\r\n\r\nsecond\r\n",
        );
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let part = file_part(&content_type(), &body, "file").unwrap();
        assert_eq!(part.bytes, PNG);
        assert_eq!(part.filename.as_deref(), Some("a.png"));
    }

    #[test]
    fn content_that_looks_like_a_boundary_is_content() {
        // `\r\n--` inside the image, followed by something that is not the
        // boundary, and the boundary's prefix without its last character.
        let mut image = PNG.to_vec();
        image.extend_from_slice(b"\r\n--");
        image.extend_from_slice(b"\r\n----WebKitFormBoundary");
        image.extend_from_slice(format!("\r\n--{}", &BOUNDARY[..BOUNDARY.len() - 1]).as_bytes());
        image.extend_from_slice(b"\r\n\r\n--\r\n");
        let body = upload_body(&[("k", "v")], "file", "x.png", &image);
        let part = file_part(&content_type(), &body, "file").unwrap();
        assert_eq!(part.bytes, &image[..]);
    }

    #[test]
    fn reads_the_boundary_parameter_in_every_spelling() {
        let body = upload_body(&[], "file", "a.jpg", JPEG);
        for header in [
            format!("multipart/form-data; boundary={BOUNDARY}"),
            format!("multipart/form-data;boundary={BOUNDARY}"),
            format!("Multipart/Form-Data; BOUNDARY=\"{BOUNDARY}\""),
            format!("multipart/form-data; charset=utf-8; Boundary = {BOUNDARY}"),
        ] {
            let part = file_part(&header, &body, "file");
            assert_eq!(part.map(|p| p.bytes), Ok(JPEG), "{header}");
        }
    }

    #[test]
    fn a_preamble_and_padding_are_allowed() {
        let mut body = b"ignored preamble\r\n".to_vec();
        body.extend_from_slice(&upload_body(&[], "file", "a.jpg", JPEG));
        let part = file_part(&content_type(), &body, "file").unwrap();
        assert_eq!(part.bytes, JPEG);
        let padded = format!(
            "--{BOUNDARY} \t\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--{BOUNDARY}--"
        );
        assert_eq!(
            file_part(&content_type(), padded.as_bytes(), "file")
                .unwrap()
                .bytes,
            b"x"
        );
    }

    #[test]
    fn quoted_parameters_may_hold_semicolons_and_quotes() {
        let body = format!(
            "--{BOUNDARY}\r\ncontent-disposition: form-data; filename=\"a;b \\\"c\\\".jpg\"; name=\"file\"\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
        );
        let part = file_part(&content_type(), body.as_bytes(), "file").unwrap();
        assert_eq!(part.filename.as_deref(), Some("a;b \"c\".jpg"));
        assert_eq!(part.bytes, b"x");
    }

    #[test]
    fn refuses_other_media_types_and_missing_boundaries() {
        let body = upload_body(&[], "file", "a.jpg", JPEG);
        for header in [
            "application/json",
            "multipart/mixed; boundary=x",
            "",
            "image/jpeg",
        ] {
            assert_eq!(
                file_part(header, &body, "file"),
                Err(MultipartError::NotMultipart(header.to_owned()))
            );
        }
        for header in [
            "multipart/form-data",
            "multipart/form-data; charset=utf-8",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
        ] {
            assert_eq!(
                file_part(header, &body, "file"),
                Err(MultipartError::NoBoundary),
                "{header}"
            );
        }
        let long = format!("multipart/form-data; boundary={}", "x".repeat(141));
        assert!(matches!(
            file_part(&long, &body, "file"),
            Err(MultipartError::Malformed(_))
        ));
    }

    #[test]
    fn a_missing_field_is_named() {
        let body = upload_body(&[("user", "test")], "avatar", "a.jpg", JPEG);
        assert_eq!(
            file_part(&content_type(), &body, "file"),
            Err(MultipartError::NoSuchField("file".into()))
        );
        // An empty form: just the closing delimiter.
        let empty = format!("--{BOUNDARY}--\r\n");
        assert_eq!(
            file_part(&content_type(), empty.as_bytes(), "file"),
            Err(MultipartError::NoSuchField("file".into()))
        );
    }

    #[test]
    fn truncated_bodies_are_refused_wherever_they_stop() {
        let body = upload_body(&[("user", "test")], "file", "a.png", PNG);
        let closing = format!("\r\n--{BOUNDARY}--\r\n").len();
        // Every cut up to the file part's delimiter and the first `-` after it.
        for cut in 0..body.len() - closing + 4 + BOUNDARY.len() + 2 {
            match file_part(&content_type(), &body[..cut], "file") {
                Err(MultipartError::Truncated(_) | MultipartError::Malformed(_)) => {}
                other => panic!("cut at {cut} of {}: {other:?}", body.len()),
            }
        }
        // Without the final `--` and CRLF it still ends the part: what counts
        // is that the content's end is known.
        let ok = &body[..body.len() - 2];
        assert_eq!(file_part(&content_type(), ok, "file").unwrap().bytes, PNG);
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let ct = content_type();
        // No boundary line at all.
        assert!(matches!(
            file_part(&ct, b"just some bytes", "file"),
            Err(MultipartError::Malformed(_))
        ));
        // Characters after a boundary on its line.
        let body = format!(
            "--{BOUNDARY}x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--{BOUNDARY}--"
        );
        assert!(matches!(
            file_part(&ct, body.as_bytes(), "file"),
            Err(MultipartError::Malformed(_))
        ));
        // A header line without a colon.
        let body =
            format!("--{BOUNDARY}\r\nContent-Disposition form-data\r\n\r\nx\r\n--{BOUNDARY}--");
        assert!(matches!(
            file_part(&ct, body.as_bytes(), "file"),
            Err(MultipartError::Malformed(_))
        ));
        // A part that is not form-data.
        let body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nx\r\n--{BOUNDARY}--"
        );
        assert!(matches!(
            file_part(&ct, body.as_bytes(), "file"),
            Err(MultipartError::Malformed(_))
        ));
    }

    #[test]
    fn a_part_without_headers_has_no_name() {
        let body = format!(
            "--{BOUNDARY}\r\n\r\nanonymous\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
        );
        assert_eq!(
            file_part(&content_type(), body.as_bytes(), "file")
                .unwrap()
                .bytes,
            b"x"
        );
    }

    proptest! {
        /// Any bytes come back exactly, however many line breaks and dashes
        /// they hold, after any form fields.
        #[test]
        fn any_file_comes_back_whole(
            bytes in prop::collection::vec(
                prop::sample::select(vec![b'\r', b'\n', b'-', b'W', 0, 0xFF]),
                0..400,
            ),
            fields in prop::collection::vec(("[a-z]{1,8}", "[ -~]{0,20}"), 0..4),
        ) {
            let fields: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let body = upload_body(&fields, "file", "tmp.png", &bytes);
            let part = file_part(&content_type(), &body, "file").unwrap();
            prop_assert_eq!(part.bytes, &bytes[..]);
        }

        /// A damaged body (cut short, bytes changed) is answered, never a panic.
        #[test]
        fn damaged_bodies_never_panic(
            cut in 0usize..600,
            changes in prop::collection::vec((0usize..600, any::<u8>()), 0..8),
        ) {
            let mut body = upload_body(&[("user", "test")], "file", "a.png", PNG);
            body.truncate(cut.min(body.len()));
            for (at, byte) in changes {
                if let Some(b) = body.get_mut(at) {
                    *b = byte;
                }
            }
            let _ = file_part(&content_type(), &body, "file");
        }
    }
}
