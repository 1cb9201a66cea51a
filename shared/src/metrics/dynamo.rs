//! DynamoDB latency and retries, read off the SDK's own orchestration: an
//! interceptor on the client, so every operation of every store path is
//! measured without a line in the adapters. The start and the attempt count
//! live in the operation's config bag, so concurrent operations of one request
//! never mix.

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use std::time::Instant;

/// Reports each DynamoDB operation (its latency, retries included, and its
/// attempts) to the request's metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct DynamoTiming;

#[derive(Debug, Clone, Copy)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug, Clone, Copy)]
struct Attempts(u32);

impl Storable for Attempts {
    type Storer = StoreReplace<Self>;
}

impl Intercept for DynamoTiming {
    fn name(&self) -> &'static str {
        "DynamoTiming"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempts = cfg.load::<Attempts>().map_or(0, |a| a.0);
        cfg.interceptor_state().store_put(Attempts(attempts + 1));
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Started(started)) = cfg.load::<Started>() {
            let attempts = cfg.load::<Attempts>().map_or(0, |a| a.0);
            super::dynamo_operation(started.elapsed(), attempts);
        }
        Ok(())
    }
}
