//! The DynamoDB table and how to reach it (the Lambda functions; the local
//! server uses its data directory).

use super::env::{Env, required};
use super::vars::*;
use super::{AwsSettings, ConfigError, Setting};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoConfig {
    pub table_name: Setting<String>,
    pub aws: Setting<AwsSettings>,
}

impl DynamoConfig {
    pub(super) fn from_env(env: &dyn Env) -> Self {
        Self {
            table_name: table_name(env).into(),
            aws: AwsSettings::from_env(env).into(),
        }
    }
}

fn table_name(env: &dyn Env) -> Result<String, ConfigError> {
    let name = required(env, TABLE_NAME)?;
    let valid = (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !valid {
        return Err(ConfigError::new(
            TABLE_NAME,
            format!("is not a valid DynamoDB table name: {name:?}"),
        ));
    }
    Ok(name)
}
