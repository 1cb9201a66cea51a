/// Why a WeChat call failed. Each variant maps to one stable API error code at
/// the edge (`api::error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeChatError {
    /// 40029: the code is invalid (expired, from another app, devtools mismatch).
    #[error("WeChat rejected the code as invalid (40029)")]
    InvalidCode,
    /// 40163: the code was already used.
    #[error("WeChat says the code was already used (40163)")]
    CodeUsed,
    /// 45011: too many calls for this user (100 per minute).
    #[error("WeChat rate limit reached (45011)")]
    RateLimited,
    /// 40226: WeChat's risk control blocked this user.
    #[error("WeChat blocked this user as high risk (40226)")]
    UserBlocked,
    /// 61010: the user has not visited the mini-program in the last 2 hours,
    /// so WeChat will not check their content (`msg_sec_check`).
    #[error("WeChat checks only users who visited in the last 2 hours (61010)")]
    NotVisitedRecently,
    /// -1 on every attempt we had time for.
    #[error("WeChat stayed busy (-1) after {attempts} attempts")]
    Busy { attempts: u32 },
    /// No answer within the call timeout or the overall deadline.
    #[error("WeChat did not answer in time")]
    Timeout,
    /// 40001 or 42001: the access token is invalid, not the latest, or expired.
    /// Retried once with a fresh token before it reaches a caller.
    #[error("WeChat refused the access token ({errcode})")]
    AccessTokenRejected { errcode: i64 },
    /// Any other errcode; `errmsg` is WeChat's own text (it holds no secrets).
    #[error("WeChat error {errcode}: {errmsg}")]
    Api { errcode: i64, errmsg: String },
    /// A body we could not understand: not JSON, truncated, or missing fields.
    #[error("unexpected answer from WeChat: {0}")]
    Malformed(String),
    /// The connection failed. The text never contains the URL (it holds the secret).
    #[error("could not reach WeChat: {0}")]
    Unreachable(String),
}

impl WeChatError {
    /// WeChat's errcode behind this error, when WeChat answered one (none for
    /// timeouts, transport failures and unreadable answers). Safe to log.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            Self::InvalidCode => Some(40029),
            Self::CodeUsed => Some(40163),
            Self::RateLimited => Some(45011),
            Self::UserBlocked => Some(40226),
            Self::NotVisitedRecently => Some(61010),
            Self::Busy { .. } => Some(-1),
            Self::AccessTokenRejected { errcode } | Self::Api { errcode, .. } => Some(*errcode),
            Self::Timeout | Self::Malformed(_) | Self::Unreachable(_) => None,
        }
    }

    /// Maps a WeChat errcode (not 0) to our error.
    pub fn from_errcode(errcode: i64, errmsg: String) -> Self {
        match errcode {
            40029 => Self::InvalidCode,
            40163 => Self::CodeUsed,
            45011 => Self::RateLimited,
            40226 => Self::UserBlocked,
            61010 => Self::NotVisitedRecently,
            -1 => Self::Busy { attempts: 1 },
            _ => Self::Api { errcode, errmsg },
        }
    }
}
