//! Tencent's answers, in the documented shapes and field order: written out
//! rather than serialised, so that they are byte for byte what Tencent sends
//! (`Response`, then the result, then `RequestId`; every `SendStatus` field).

/// The `Message` Tencent sends with `code`: the error-code tables'
/// descriptions, and the documented example's text for a signature failure.
pub fn message(code: &str) -> &'static str {
    match code {
        "Ok" => "send success",
        "AuthFailure.SignatureFailure" => {
            "The provided credentials could not be validated. Please check your signature is correct."
        }
        "AuthFailure.SignatureExpire" => {
            "签名过期。Timestamp 和服务器时间相差不得超过五分钟，请检查本地时间是否和标准时间同步。"
        }
        "AuthFailure.SecretIdNotFound" => {
            "密钥不存在。请在控制台检查密钥是否已被删除或者禁用，如状态正常，请检查密钥是否填写正确，注意前后不得有空格。"
        }
        "AuthFailure.InvalidAuthorization" => "请求头部的 Authorization 不符合腾讯云标准。",
        "InvalidAction" => "接口不存在。",
        "NoSuchVersion" => "接口版本不存在。",
        "UnsupportedRegion" => "接口不支持所传地域。",
        "InvalidParameter" => "参数错误（包括参数格式、类型等错误）。",
        "MissingParameter" => "缺少参数。",
        "MissingParameter.EmptyPhoneNumberSet" => {
            "传入的号码列表为空，请确认您的参数中是否传入号码。"
        }
        "FailedOperation.FailResolvePacket" => {
            "请求包解析失败，通常情况下是由于没有遵守 API 接口说明规范导致的。"
        }
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail" => "SmsSdkAppId 校验失败。",
        "FailedOperation.SignatureIncorrectOrUnapproved" => "签名未审批或格式错误。",
        "FailedOperation.TemplateIncorrectOrUnapproved" => "模板未审批或内容不匹配。",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate" => {
            "请求内容与审核通过的模板内容不匹配。"
        }
        "FailedOperation.PhoneNumberInBlacklist" => {
            "手机号在免打扰名单库中，通常是用户退订或者命中运营商免打扰名单导致的。"
        }
        "FailedOperation.InsufficientBalanceInSmsPackage" => "套餐包余量不足。",
        "InvalidParameterValue.IncorrectPhoneNumber" => "手机号格式错误。",
        "LimitExceeded.PhoneNumberCountLimit" => "调用接口单次提交的手机号个数超过200个。",
        "LimitExceeded.PhoneNumberThirtySecondLimit" => {
            "单个手机号30秒内下发短信条数超过设定的上限，可自行到控制台调整短信频率限制策略。"
        }
        "LimitExceeded.PhoneNumberOneHourLimit" => {
            "单个手机号1小时内下发短信条数超过设定的上限，可自行到控制台调整短信频率限制策略。"
        }
        "LimitExceeded.PhoneNumberDailyLimit" => {
            "单个手机号日下发短信条数超过设定的上限，可自行到控制台调整短信频率限制策略。"
        }
        "LimitExceeded.PhoneNumberSameContentDailyLimit" => {
            "单个手机号下发相同内容超过设定的上限，可自行到控制台调整短信频率限制策略。"
        }
        "LimitExceeded.DeliveryFrequencyLimit" => {
            "下发短信命中了频率限制策略，可自行到控制台调整短信频率限制策略。"
        }
        "RequestLimitExceeded" => "请求的次数超过了频率限制。",
        "InternalError.Timeout" => "请求下发短信超时，请参考 60008错误详解。",
        "InternalError" => "内部错误。",
        _ => "操作失败。",
    }
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// A refused request: `{"Response":{"Error":{"Code","Message"},"RequestId"}}`.
pub fn request_error(code: &str, request_id: &str) -> String {
    format!(
        r#"{{"Response":{{"Error":{{"Code":{},"Message":{}}},"RequestId":{}}}}}"#,
        quoted(code),
        quoted(message(code)),
        quoted(request_id)
    )
}

/// One number's outcome in `SendStatusSet`.
pub struct SendStatus {
    /// Tencent's id of a message sent; empty when refused.
    pub serial_no: String,
    pub phone_number: String,
    /// Billed messages: 1 for a short message sent, 0 when refused.
    pub fee: u32,
    pub session_context: String,
    pub code: String,
    pub iso_code: String,
}

/// The answer to an accepted request: one `SendStatus` per number, each with
/// its own `Code`.
pub fn send_status_set(statuses: &[SendStatus], request_id: &str) -> String {
    let statuses: Vec<String> = statuses
        .iter()
        .map(|s| {
            format!(
                r#"{{"SerialNo":{},"PhoneNumber":{},"Fee":{},"SessionContext":{},"Code":{},"Message":{},"IsoCode":{}}}"#,
                quoted(&s.serial_no),
                quoted(&s.phone_number),
                s.fee,
                quoted(&s.session_context),
                quoted(&s.code),
                quoted(message(&s.code)),
                quoted(&s.iso_code)
            )
        })
        .collect();
    format!(
        r#"{{"Response":{{"SendStatusSet":[{}],"RequestId":{}}}}}"#,
        statuses.join(","),
        quoted(request_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_the_documented_example_byte_for_byte() {
        assert_eq!(
            request_error(
                "AuthFailure.SignatureFailure",
                "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"
            ),
            r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated. Please check your signature is correct."},"RequestId":"ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}"#
        );
    }

    #[test]
    fn a_send_status_has_every_field_in_the_documented_order() {
        let status = SendStatus {
            serial_no: "5000:1045710669157053657849499619".into(),
            phone_number: "+8618511122233".into(),
            fee: 1,
            session_context: "test".into(),
            code: "Ok".into(),
            iso_code: "CN".into(),
        };
        assert_eq!(
            send_status_set(&[status], "a0aabda6-cf91-4f3e-a81f-9198114a2279"),
            r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8618511122233","Fee":1,"SessionContext":"test","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#
        );
    }
}
