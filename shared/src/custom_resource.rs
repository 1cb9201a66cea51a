//! The `token-keys` custom resource: at deploy time, CloudFormation hands it
//! the signing key (`TokenSigningKey`, `TokenVerifyKeys`) and it answers what
//! the functions that verify tokens get instead of the private key
//! ([`DerivedKeys`]). The protocol is CloudFormation's: a request event with
//! a presigned `ResponseURL`, and one JSON answer `PUT` there.
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html>

use crate::tokens::DerivedKeys;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// CloudFormation refuses an answer larger than this.
pub const MAX_ANSWER_BYTES: usize = 4096;

/// The request CloudFormation sends (the fields wxauth reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceRequest {
    pub request_type: RequestType,
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    #[serde(default)]
    pub physical_resource_id: Option<String>,
    #[serde(default)]
    pub resource_properties: TokenKeysProperties,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RequestType {
    Create,
    Update,
    Delete,
}

/// The resource's properties in `template.yaml`. `Debug` leaves the key out.
#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenKeysProperties {
    #[serde(default)]
    pub signing_key: String,
    #[serde(default)]
    pub verify_keys: String,
}

impl std::fmt::Debug for TokenKeysProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeysProperties { .. }")
    }
}

/// The answer, as CloudFormation reads it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceAnswer {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub physical_resource_id: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    /// The answer's values stay masked wherever CloudFormation shows them:
    /// `SmsCodeKey` is a secret.
    pub no_echo: bool,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub data: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Success,
    Failed,
}

/// What the resource answers `request`: on create and update the derived
/// keys (`PublicKeys`, `Kid`, `SmsCodeKey`), on delete nothing (it made
/// nothing). A bad key fails the deployment with a reason that quotes no key.
pub fn answer(request: &ResourceRequest) -> ResourceAnswer {
    // One resource, one id: an update never asks CloudFormation to delete "the old one".
    let physical_resource_id = request
        .physical_resource_id
        .clone()
        .unwrap_or_else(|| format!("{}-token-keys", request.logical_resource_id));
    let outcome = match request.request_type {
        RequestType::Delete => Ok(Map::new()),
        RequestType::Create | RequestType::Update => {
            let properties = &request.resource_properties;
            DerivedKeys::derive(&properties.signing_key, &properties.verify_keys)
                .map(|keys| {
                    let mut data = Map::new();
                    data.insert("PublicKeys".into(), keys.public_keys_pem.into());
                    data.insert("Kid".into(), keys.kid.into());
                    data.insert("SmsCodeKey".into(), keys.sms_code_key.expose().into());
                    data
                })
                .map_err(|error| error.to_string())
        }
    };
    let mut answer = ResourceAnswer {
        status: Status::Success,
        reason: None,
        physical_resource_id,
        stack_id: request.stack_id.clone(),
        request_id: request.request_id.clone(),
        logical_resource_id: request.logical_resource_id.clone(),
        no_echo: true,
        data: Map::new(),
    };
    match outcome {
        Ok(data) => answer.data = data,
        Err(reason) => answer.fail(reason),
    }
    if answer.body().len() > MAX_ANSWER_BYTES {
        answer.data.clear();
        answer.fail(format!(
            "the public keys do not fit CloudFormation's {MAX_ANSWER_BYTES}-byte answer: \
             remove retired keys from TokenVerifyKeys"
        ));
    }
    answer
}

impl ResourceAnswer {
    fn fail(&mut self, reason: String) {
        self.status = Status::Failed;
        self.reason = Some(reason);
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Puts `answer` at the request's presigned URL. No `Content-Type`: the URL
/// is signed without one.
pub async fn send(
    client: &reqwest::Client,
    url: &str,
    answer: &ResourceAnswer,
) -> Result<(), String> {
    let response = client
        .put(url)
        .body(answer.body())
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(crate::outbound::describe)?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "the answer was refused: HTTP {}",
            response.status()
        ))
    }
}

/// The HTTP client the answers are sent with.
pub fn client() -> Result<reqwest::Client, String> {
    crate::outbound::client()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{SigningKey, public_keys_from_pem};
    use serde_json::json;

    fn request(kind: &str, signing_key: &str, verify_keys: &str) -> ResourceRequest {
        serde_json::from_value(json!({
            "RequestType": kind,
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:token-keys",
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/wxauth/1",
            "RequestId": "req-1",
            "ResourceType": "Custom::TokenKeys",
            "LogicalResourceId": "TokenKeys",
            "ResourceProperties": {
                "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:token-keys",
                "SigningKey": signing_key,
                "VerifyKeys": verify_keys
            }
        }))
        .unwrap()
    }

    #[test]
    fn create_answers_the_public_keys_masked() {
        let (key, pem) = SigningKey::generate().unwrap();
        let answer = answer(&request("Create", &pem, ""));
        let body: Value = serde_json::from_slice(&answer.body()).unwrap();
        assert_eq!(body["Status"], "SUCCESS");
        assert_eq!(body["NoEcho"], true);
        assert_eq!(body["RequestId"], "req-1");
        assert_eq!(body["LogicalResourceId"], "TokenKeys");
        assert_eq!(body["PhysicalResourceId"], "TokenKeys-token-keys");
        assert_eq!(body["Data"]["Kid"], key.public().kid.as_str());
        let keys = public_keys_from_pem(body["Data"]["PublicKeys"].as_str().unwrap()).unwrap();
        assert_eq!(keys, vec![key.public().clone()]);
        assert!(
            !String::from_utf8(answer.body())
                .unwrap()
                .contains("PRIVATE")
        );
        assert_eq!(body["Data"]["SmsCodeKey"].as_str().unwrap().len(), 43);
    }

    #[test]
    fn update_keeps_the_physical_id_and_delete_makes_nothing() {
        let (_, pem) = SigningKey::generate().unwrap();
        let mut update = request("Update", &pem, "");
        update.physical_resource_id = Some("kept".into());
        assert_eq!(answer(&update).physical_resource_id, "kept");
        let mut delete = request("Delete", "", "");
        delete.physical_resource_id = Some("kept".into());
        let answer = answer(&delete);
        assert_eq!(answer.status, Status::Success);
        assert!(answer.data.is_empty());
    }

    #[test]
    fn a_bad_key_fails_the_deployment_without_quoting_it() {
        let answer = answer(&request(
            "Create",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----",
            "",
        ));
        assert_eq!(answer.status, Status::Failed);
        let reason = answer.reason.clone().unwrap();
        assert!(reason.contains("TokenSigningKey"), "{reason}");
        assert!(
            !String::from_utf8(answer.body())
                .unwrap()
                .contains("c2VjcmV0")
        );
    }

    #[test]
    fn too_many_keys_for_the_answer_fail_with_a_reason() {
        let (_, pem) = SigningKey::generate().unwrap();
        let old: String = (0..8)
            .map(|_| SigningKey::generate().unwrap().0.public_pem())
            .collect();
        let answer = answer(&request("Create", &pem, &old));
        assert_eq!(answer.status, Status::Failed);
        assert!(
            answer
                .reason
                .as_deref()
                .unwrap()
                .contains("TokenVerifyKeys")
        );
        assert!(answer.body().len() <= MAX_ANSWER_BYTES);
    }
}
