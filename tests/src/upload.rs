//! Request bodies as `wx.uploadFile` sends them, for the avatar tests.
//!
//! Where the shape comes from: WeChat's documentation of `wx.uploadFile`
//! (developers.weixin.qq.com, "network/upload/wx.uploadFile") says the client
//! sends an HTTPS POST with `content-type: multipart/form-data`, the file under
//! the key given as `name` and each `formData` entry as a field of its own.
//! It does not publish the bytes; the layout below is RFC 7578's as browser
//! form encoders write it (Chromium's, the engine DevTools runs on), which is
//! what server-side reports of `wx.uploadFile` requests show:
//!
//! - the request's `Content-Type: multipart/form-data; boundary=B`, the
//!   boundary unquoted. Its spelling varies by client (WebKit's
//!   `----WebKitFormBoundary` and 16 letters and digits is used here); the
//!   parser takes whatever the header says;
//! - the `formData` fields first, each `--B\r\nContent-Disposition: form-data;
//!   name="k"\r\n\r\nv\r\n`;
//! - then the file: `--B\r\nContent-Disposition: form-data; name="file";
//!   filename="…"\r\nContent-Type: …\r\n\r\n` and its bytes, the file name the
//!   temporary file's (`http://tmp/….jpg` on a device: its last segment), the
//!   part's Content-Type guessed from the name's extension
//!   (`application/octet-stream` when unknown);
//! - then `\r\n--B--\r\n`.
//!
//! Through API Gateway's HTTP API the body reaches Lambda base64-encoded
//! (`isBase64Encoded: true`), which lambda_http decodes back to these bytes.

/// The boundary tests use: WebKit's shape.
pub const WEBKIT_BOUNDARY: &str = "----WebKitFormBoundaryo7Qz0bG4xR1kTn2W";

/// The name `wx.uploadFile` is given for the avatar, and the route reads.
pub const FILE_FIELD: &str = "file";

/// `(Content-Type header, body)` of a `wx.uploadFile` call sending
/// `file_bytes` as `file_name` under [`FILE_FIELD`], with `form_data` fields
/// before it.
pub fn upload_file_body(
    boundary: &str,
    form_data: &[(&str, &str)],
    file_name: &str,
    file_bytes: &[u8],
) -> (String, Vec<u8>) {
    let mut body = Vec::with_capacity(file_bytes.len() + 256);
    for (name, value) in form_data {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{FILE_FIELD}\"; filename=\"{file_name}\"\r\nContent-Type: {}\r\n\r\n",
            media_type(file_name)
        )
        .as_bytes(),
    );
    body.extend_from_slice(file_bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The media type a client guesses from a file name's extension.
fn media_type(file_name: &str) -> &'static str {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

/// A fixture image from `tests/fixtures/images/` (its README says what each
/// one is).
pub fn fixture_image(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxauth_shared::api::file_part;

    #[test]
    fn the_parser_reads_back_what_the_builder_writes() {
        for name in ["pixel.jpg", "risky.png", "review.webp", "fake.png"] {
            let bytes = fixture_image(name);
            let file_name = format!("tmp_6f1c0d2e9a.{}", name.rsplit('.').next().unwrap());
            let (content_type, body) = upload_file_body(
                WEBKIT_BOUNDARY,
                &[("appid", "wx4f4bc4dec97d474b")],
                &file_name,
                &bytes,
            );
            let part = file_part(&content_type, &body, FILE_FIELD).unwrap();
            assert_eq!(part.bytes, &bytes[..], "{name}");
            assert_eq!(part.filename.as_deref(), Some(file_name.as_str()));
            assert_eq!(part.content_type.as_deref(), Some(media_type(&file_name)));
        }
    }

    #[test]
    fn the_body_is_byte_for_byte_the_documented_shape() {
        let (content_type, body) = upload_file_body("B", &[("k", "v")], "a.JPG", b"xy");
        assert_eq!(content_type, "multipart/form-data; boundary=B");
        assert_eq!(
            body,
            b"--B\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n\
--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.JPG\"\r\nContent-Type: image/jpeg\r\n\r\nxy\r\n--B--\r\n"
        );
    }
}
