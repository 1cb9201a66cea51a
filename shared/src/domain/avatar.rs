//! An avatar the user chose (`<button open-type="chooseAvatar">`), uploaded
//! with `wx.uploadFile`, and the object key it is stored under.
//!
//! The image's kind is decided by its first bytes, never by the file name or
//! the part's Content-Type: both come from the client and a renamed GIF or a
//! script says whatever it likes there. The key is content-addressed (a prefix
//! of the bytes' SHA-256), so an object never changes once written: it can be
//! cached forever, and uploading the same picture twice writes the same key.

use crate::crypto::hex;
use crate::domain::UserId;
use aws_lc_rs::digest;
use bytes::Bytes;
use std::fmt;

/// The largest avatar accepted, in bytes. `chooseAvatar` hands over a
/// compressed photo of a few hundred kilobytes at most.
pub const MAX_AVATAR_BYTES: usize = 1024 * 1024;

/// Every key starts with this.
const PREFIX: &str = "avatars/";

/// How many hex digits of the SHA-256 name the file: 128 bits, so two
/// different pictures of one user never share a key.
const HASH_DIGITS: usize = 32;

/// The image formats avatars may have: what `chooseAvatar` produces (JPEG on
/// devices, PNG or JPEG in DevTools) and WebP, which mini-programs display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

impl ImageKind {
    /// The format the bytes' signature names: JPEG `FF D8 FF`; PNG its
    /// 8-byte signature; WebP a RIFF container of form `WEBP` whose first
    /// chunk is a bitstream (`VP8 `, `VP8L`) or the extended header (`VP8X`).
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(ImageKind::Jpeg);
        }
        if bytes.starts_with(PNG_SIGNATURE) {
            return Some(ImageKind::Png);
        }
        if bytes.len() >= 16
            && &bytes[0..4] == b"RIFF"
            && &bytes[8..12] == b"WEBP"
            && matches!(&bytes[12..16], b"VP8 " | b"VP8L" | b"VP8X")
        {
            return Some(ImageKind::Webp);
        }
        None
    }

    /// The media type objects of this kind are served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The file extension keys of this kind end with (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
        }
    }

    /// The kind whose [`extension`](Self::extension) this is, exactly.
    pub fn from_extension(extension: &str) -> Option<ImageKind> {
        [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp]
            .into_iter()
            .find(|kind| kind.extension() == extension)
    }
}

/// Why uploaded bytes are not an avatar; the message tells the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("the image is empty")]
    Empty,
    #[error("the image is {size} bytes; at most 1 MiB (1048576 bytes) is allowed")]
    TooBig { size: usize },
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
}

/// Bytes that are a JPEG, PNG or WebP image of at most [`MAX_AVATAR_BYTES`],
/// with their SHA-256. Only the signature is checked, not the whole image:
/// WeChat's image check sees the rest, and the bytes are served back with the
/// sniffed type only, so a browser never guesses another.
#[derive(Clone, PartialEq, Eq)]
pub struct AvatarImage {
    bytes: Bytes,
    kind: ImageKind,
    sha256_hex: String,
}

impl AvatarImage {
    /// Checks size (empty, too big) before the signature.
    pub fn parse(bytes: impl Into<Bytes>) -> Result<AvatarImage, ImageError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(ImageError::Empty);
        }
        if bytes.len() > MAX_AVATAR_BYTES {
            return Err(ImageError::TooBig { size: bytes.len() });
        }
        let kind = ImageKind::sniff(&bytes).ok_or(ImageError::NotAnImage)?;
        let sha256_hex = hex(digest::digest(&digest::SHA256, &bytes).as_ref());
        Ok(AvatarImage {
            bytes,
            kind,
            sha256_hex,
        })
    }

    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    pub fn kind(&self) -> ImageKind {
        self.kind
    }

    pub fn content_type(&self) -> &'static str {
        self.kind.content_type()
    }

    /// The SHA-256 of the bytes, 64 lowercase hex digits.
    pub fn sha256_hex(&self) -> &str {
        &self.sha256_hex
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Never true: an empty upload is refused. Here because `len` is.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The bytes are left out: a log line never carries a picture.
impl fmt::Debug for AvatarImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AvatarImage")
            .field("kind", &self.kind)
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256_hex)
            .finish()
    }
}

/// Where an avatar is stored: `avatars/{userId}/{32 hex of its SHA-256}.{ext}`.
/// Nothing else parses, so a key taken from a request path can name no other
/// object (no `..`, no other prefix, no other extension) and names its owner.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AvatarKey(String);

impl AvatarKey {
    /// The key of `image` uploaded by `user`.
    pub fn for_image(user: &UserId, image: &AvatarImage) -> AvatarKey {
        AvatarKey(format!(
            "{}{}.{}",
            Self::user_prefix(user),
            &image.sha256_hex()[..HASH_DIGITS],
            image.kind().extension()
        ))
    }

    /// Every key of `user` starts with this: `avatars/{userId}/`.
    pub fn user_prefix(user: &UserId) -> String {
        format!("{PREFIX}{user}/")
    }

    /// A key of exactly the shape [`for_image`](Self::for_image) makes: the
    /// prefix, a valid user id, 32 lowercase hex digits, `.jpg`, `.png` or
    /// `.webp`.
    pub fn parse(text: &str) -> Option<AvatarKey> {
        let rest = text.strip_prefix(PREFIX)?;
        let (user, file) = rest.split_once('/')?;
        UserId::parse(user).ok()?;
        let (hash, extension) = file.split_once('.')?;
        let hex_ok = hash.len() == HASH_DIGITS
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        (hex_ok && ImageKind::from_extension(extension).is_some())
            .then(|| AvatarKey(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The user the key belongs to.
    pub fn user(&self) -> UserId {
        let user = self.0[PREFIX.len()..].split('/').next().unwrap_or_default();
        UserId::parse(user).expect("a parsed key holds a valid user id")
    }

    /// The kind its extension names: what the object is served as.
    pub fn kind(&self) -> ImageKind {
        let extension = self.0.rsplit('.').next().unwrap_or_default();
        ImageKind::from_extension(extension).expect("a parsed key has a known extension")
    }
}

impl fmt::Display for AvatarKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AvatarKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AvatarKey({:?})", self.0)
    }
}

/// Stored as its text; read back through [`AvatarKey::parse`].
impl serde::Serialize for AvatarKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for AvatarKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        AvatarKey::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an avatar key: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const JPEG: &[u8] = include_bytes!("../../../tests/fixtures/images/pixel.jpg");
    const PNG: &[u8] = include_bytes!("../../../tests/fixtures/images/pixel.png");
    const WEBP: &[u8] = include_bytes!("../../../tests/fixtures/images/pixel.webp");
    const RISKY_WEBP: &[u8] = include_bytes!("../../../tests/fixtures/images/risky.webp");
    const FAKE_PNG: &[u8] = include_bytes!("../../../tests/fixtures/images/fake.png");

    fn user() -> UserId {
        UserId::parse("3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f").unwrap()
    }

    #[test]
    fn sniffs_the_fixtures_by_their_bytes() {
        assert_eq!(ImageKind::sniff(JPEG), Some(ImageKind::Jpeg));
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(ImageKind::sniff(WEBP), Some(ImageKind::Webp));
        // The extended format (VP8X first) is WebP too.
        assert_eq!(ImageKind::sniff(RISKY_WEBP), Some(ImageKind::Webp));
        // A GIF named .png is not an image we take.
        assert_eq!(ImageKind::sniff(FAKE_PNG), None);
    }

    #[test]
    fn refuses_near_misses() {
        assert_eq!(ImageKind::sniff(&[0xFF, 0xD8]), None);
        assert_eq!(ImageKind::sniff(&PNG[..7]), None);
        // RIFF of another form (WAVE), and WEBP without a bitstream chunk.
        assert_eq!(ImageKind::sniff(b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"), None);
        assert_eq!(ImageKind::sniff(b"RIFF\x24\0\0\0WEBPALPH\x10\0\0\0"), None);
        assert_eq!(ImageKind::sniff(&WEBP[..15]), None);
        assert_eq!(
            ImageKind::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            None
        );
        assert_eq!(ImageKind::sniff(b""), None);
    }

    #[test]
    fn content_types_and_extensions() {
        let all = [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp];
        let types: Vec<_> = all.iter().map(|k| k.content_type()).collect();
        assert_eq!(types, ["image/jpeg", "image/png", "image/webp"]);
        let extensions: Vec<_> = all.iter().map(|k| k.extension()).collect();
        assert_eq!(extensions, ["jpg", "png", "webp"]);
        for kind in all {
            assert_eq!(ImageKind::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(ImageKind::from_extension("jpeg"), None);
        assert_eq!(ImageKind::from_extension("PNG"), None);
    }

    #[test]
    fn parse_checks_size_then_signature() {
        assert_eq!(AvatarImage::parse(Vec::new()), Err(ImageError::Empty));
        let mut big = PNG.to_vec();
        big.resize(MAX_AVATAR_BYTES + 1, 0);
        assert_eq!(
            AvatarImage::parse(big),
            Err(ImageError::TooBig {
                size: MAX_AVATAR_BYTES + 1
            })
        );
        let mut largest = PNG.to_vec();
        largest.resize(MAX_AVATAR_BYTES, 0);
        assert_eq!(AvatarImage::parse(largest).unwrap().len(), MAX_AVATAR_BYTES);
        assert_eq!(
            AvatarImage::parse(FAKE_PNG.to_vec()),
            Err(ImageError::NotAnImage)
        );
    }

    #[test]
    fn parse_hashes_the_bytes() {
        let image = AvatarImage::parse(Bytes::from_static(b"\xFF\xD8\xFFabc")).unwrap();
        assert_eq!(image.kind(), ImageKind::Jpeg);
        assert_eq!(image.content_type(), "image/jpeg");
        // sha256 of FF D8 FF 61 62 63, as `sha256sum` prints it.
        assert_eq!(
            image.sha256_hex(),
            "bb50305eeb037e9f042bb96a4b894d570a7cdb7735d1599c80bc470943138a08"
        );
        assert_eq!(image.bytes().as_ref(), b"\xFF\xD8\xFFabc");
        let debug = format!("{image:?}");
        assert!(
            debug.contains("Jpeg") && debug.contains("len: 6"),
            "{debug}"
        );
    }

    #[test]
    fn keys_are_content_addressed() {
        let image = AvatarImage::parse(PNG.to_vec()).unwrap();
        let key = AvatarKey::for_image(&user(), &image);
        assert_eq!(
            key.as_str(),
            format!(
                "avatars/3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f/{}.png",
                &image.sha256_hex()[..32]
            )
        );
        assert!(key.as_str().starts_with(&AvatarKey::user_prefix(&user())));
        assert_eq!(
            AvatarKey::user_prefix(&user()),
            "avatars/3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f/"
        );
        assert_eq!(key.user(), user());
        assert_eq!(key.kind(), ImageKind::Png);
        // The same bytes make the same key; other bytes another.
        assert_eq!(
            AvatarKey::for_image(&user(), &AvatarImage::parse(PNG.to_vec()).unwrap()),
            key
        );
        let jpeg = AvatarImage::parse(JPEG.to_vec()).unwrap();
        assert_ne!(AvatarKey::for_image(&user(), &jpeg), key);
    }

    #[test]
    fn parse_accepts_only_the_exact_shape() {
        let hash = "0123456789abcdef0123456789abcdef";
        for good in [
            format!("avatars/u1/{hash}.jpg"),
            format!("avatars/u-1_X/{hash}.png"),
            format!("avatars/u1/{hash}.webp"),
        ] {
            assert_eq!(AvatarKey::parse(&good).unwrap().as_str(), good);
        }
        for bad in [
            format!("avatars/u1/{hash}.gif"),
            format!("avatars/u1/{hash}.JPG"),
            format!("avatars/u1/{hash}.jpg.png"),
            format!("avatars/u1/{hash}"),
            format!("avatars/u1/{}.jpg", hash.to_uppercase()),
            format!("avatars/u1/{}.jpg", &hash[..31]),
            format!("avatars/u1/{hash}0.jpg"),
            format!("avatars/u1/x/{hash}.jpg"),
            format!("avatars/../{hash}.jpg"),
            format!("avatars/u1/../u2/{hash}.jpg"),
            format!("avatars//{hash}.jpg"),
            format!("/avatars/u1/{hash}.jpg"),
            format!("Avatars/u1/{hash}.jpg"),
            format!("other/u1/{hash}.jpg"),
            format!("avatars/u 1/{hash}.jpg"),
            format!("avatars/u1/{hash}.jpg\n"),
            format!("avatars/{}/{hash}.jpg", "u".repeat(65)),
            "avatars/".to_owned(),
            String::new(),
        ] {
            assert_eq!(AvatarKey::parse(&bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn serializes_as_its_text() {
        let key = AvatarKey::parse("avatars/u1/0123456789abcdef0123456789abcdef.jpg").unwrap();
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, "\"avatars/u1/0123456789abcdef0123456789abcdef.jpg\"");
        assert_eq!(serde_json::from_str::<AvatarKey>(&json).unwrap(), key);
        assert!(serde_json::from_str::<AvatarKey>("\"avatars/u1/../x.jpg\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,80}") {
            let _ = AvatarKey::parse(&text);
        }

        #[test]
        fn parse_never_panics_near_the_shape(
            user in "[A-Za-z0-9_./-]{0,70}",
            hash in "[0-9a-fA-F.]{0,40}",
            extension in "(jpg|png|webp|gif|)",
        ) {
            let text = format!("avatars/{user}/{hash}.{extension}");
            if let Some(key) = AvatarKey::parse(&text) {
                prop_assert_eq!(key.as_str(), text.as_str());
                prop_assert!(!key.as_str().contains(".."));
                let _ = (key.user(), key.kind());
            }
        }

        #[test]
        fn keys_made_for_images_parse_back(
            user in "[A-Za-z0-9_-]{1,64}",
            kind in prop::sample::select(vec![ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp]),
            tail in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let user = UserId::parse(user).unwrap();
            let mut bytes = match kind {
                ImageKind::Jpeg => JPEG.to_vec(),
                ImageKind::Png => PNG.to_vec(),
                ImageKind::Webp => WEBP.to_vec(),
            };
            bytes.extend_from_slice(&tail);
            let image = AvatarImage::parse(bytes).unwrap();
            let key = AvatarKey::for_image(&user, &image);
            let parsed = AvatarKey::parse(key.as_str());
            prop_assert_eq!(parsed.as_ref(), Some(&key));
            prop_assert_eq!(key.user(), user);
            prop_assert_eq!(key.kind(), kind);
        }
    }
}
