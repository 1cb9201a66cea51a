//! `POST /auth/profile/avatar` (the body `wx.uploadFile` sends) and
//! `GET /avatars/{userId}/{file}` (the images, on the API's own domain).

use super::multipart::file_part;
use super::response::Caching;
use super::router::Protected;
use super::{ApiError, ApiRequest, ApiResponse, Authenticator, ErrorCode};
use crate::domain::{
    AvatarImage, AvatarKey, AvatarState, ImageError, MAX_AVATAR_BYTES, UploadedAvatar,
};
use crate::tokens::Caller;
use crate::usecases::avatar::AvatarService;
use http::StatusCode;
use serde::Serialize;

/// The field `wx.uploadFile` sends the file in (its `name`).
pub const FILE_FIELD: &str = "file";

/// The avatar routes: who is asking, the service, and where the images are
/// served from.
pub struct AvatarRoutes {
    pub auth: Authenticator,
    pub service: AvatarService,
    /// `AVATAR_BASE_URL`: a CDN in front of the bucket. Unset: the API's own
    /// domain, as the request reached it (`GET /avatars/…`).
    pub base_url: Option<String>,
}

/// An upload, read at the edge.
pub struct NewAvatar {
    image: AvatarImage,
    /// `{scheme}://{host}` of the request, for URLs on the API's own domain.
    request_base: Option<String>,
}

/// The answer: the upload as it stands.
#[derive(Serialize)]
struct AvatarAnswer<'a> {
    avatar: AvatarStatus<'a>,
}

/// An avatar as the owner sees it (here and in `GET /auth/me`).
#[derive(Serialize)]
pub(super) struct AvatarStatus<'a> {
    state: AvatarState,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<u32>,
}

impl<'a> From<&'a UploadedAvatar> for AvatarStatus<'a> {
    fn from(avatar: &'a UploadedAvatar) -> Self {
        Self {
            state: avatar.state,
            url: &avatar.url,
            label: avatar.label,
        }
    }
}

/// `{scheme}://{host}` of the request: API Gateway says `x-forwarded-proto:
/// https`; the local server is plain HTTP.
fn request_base(request: &ApiRequest) -> Option<String> {
    let host = request.header("host")?;
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !valid {
        return None;
    }
    let scheme = match request.header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    Some(format!("{scheme}://{host}"))
}

fn bad_image(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadImage, message)
}

fn parse(request: &ApiRequest) -> Result<NewAvatar, ApiError> {
    let content_type = request.header("content-type").unwrap_or_default();
    let part = file_part(content_type, &request.body, FILE_FIELD).map_err(|e| {
        bad_image(format!(
            "{e}: send the image with wx.uploadFile({{name: \"{FILE_FIELD}\", filePath}})"
        ))
    })?;
    let image = AvatarImage::parse(request.body.slice_ref(part.bytes)).map_err(|e| match e {
        ImageError::TooBig { size } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the image is {size} bytes; an avatar is at most {MAX_AVATAR_BYTES} bytes"),
        ),
        ImageError::Empty => bad_image("the file is empty"),
        ImageError::NotAnImage => {
            bad_image("the file is not a JPEG, PNG or WebP image (decided by its bytes, not its name or type)")
        }
    })?;
    Ok(NewAvatar {
        image,
        request_base: request_base(request),
    })
}

impl Protected for AvatarRoutes {
    type Input = NewAvatar;

    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    fn parse(request: &ApiRequest) -> Result<NewAvatar, ApiError> {
        parse(request)
    }

    async fn answer(&self, caller: Caller, input: NewAvatar) -> Result<ApiResponse, ApiError> {
        let base = self
            .base_url
            .clone()
            .or(input.request_base)
            .ok_or_else(|| ApiError::bad_request("no Host header to build the avatar's URL on"))?;
        let avatar = self.service.upload(&caller, input.image, &base).await?;
        let status = match avatar.state {
            AvatarState::Pending => StatusCode::ACCEPTED,
            AvatarState::Active => StatusCode::OK,
            AvatarState::Refused => {
                return Err(ApiError::content_rejected("avatar", avatar.label));
            }
        };
        Ok(ApiResponse::serialized(
            status,
            &AvatarAnswer {
                avatar: AvatarStatus::from(&avatar),
            },
        ))
    }
}

/// `GET /avatars/{userId}/{file}`: the image, cacheable for good (its name
/// is its content's hash).
pub(super) async fn image(
    routes: &AvatarRoutes,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no avatar at {}", request.path),
        )
    };
    let key = request
        .path
        .strip_prefix('/')
        .and_then(AvatarKey::parse)
        .ok_or_else(not_found)?;
    let object = routes.service.image(&key).await?.ok_or_else(not_found)?;
    let mut response = ApiResponse::bytes(StatusCode::OK, key.kind().content_type(), object.bytes);
    response.caching = Caching::Immutable;
    Ok(response)
}
