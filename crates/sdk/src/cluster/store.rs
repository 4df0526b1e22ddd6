//! Artifacts in an object store (a local directory, or S3 with the `s3` feature), each
//! checked against the SHA-256 the database records for it.

use std::{sync::Arc, time::Duration};

use object_store::{path::Path, ObjectStore, PutPayload};
use sha2::{Digest, Sha256};

use super::ClusterError;

/// How often a failed store operation is tried before its error is returned, and the pause
/// before the first retry (doubled after each: 250 + 500 + 1,000 ms). A missing object and
/// refused credentials are returned at once: no retry changes them. (An S3 store's requests are
/// also retried inside each try: see `s3_retry`.)
const STORE_TRIES: u32 = 4;
const STORE_RETRY_PAUSE: Duration = Duration::from_millis(250);

/// An object store and the prefix under which this cluster's artifacts live.
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.url)
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hex(&Sha256::digest(bytes))
}

/// The settings of an `s3://` store, given explicitly ([`Store::open_with`]) instead of read
/// from the `AWS_*` variables of the environment ([`Store::open`]). Each field is the setting
/// of the variable named in its comment; unset (`None`) means object_store's default (AWS's
/// endpoint for the region, region `us-east-1`).
#[derive(Clone, Default)]
pub struct S3Settings {
    /// `AWS_ENDPOINT` (or `AWS_ENDPOINT_URL`): e.g. `http://127.0.0.1:9000` for a local
    /// S3-compatible server (requests are path-style: `ENDPOINT/BUCKET/KEY`).
    pub endpoint: Option<String>,
    /// `AWS_REGION`.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID` (required).
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY` (required).
    pub secret_access_key: Option<String>,
    /// `AWS_ALLOW_HTTP=true`: allow a plain `http://` endpoint.
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// How object_store itself retries one S3 request (connection errors, 5xx, timeouts of
/// idempotent requests) inside each of the [`STORE_TRIES`] attempts: at most 3 retries,
/// pauses of 100 ms and then drawn up to twice the last (at most 2 s), none started after 15 s.
/// object_store's default (10 retries, pauses up to 15 s, up to 3 minutes), times our 4
/// attempts, would hold a worker for minutes on an unreachable store. Each request also has
/// object_store's default timeouts: 5 s to connect, 30 s in all.
#[cfg(feature = "s3")]
fn s3_retry() -> object_store::RetryConfig {
    object_store::RetryConfig {
        backoff: object_store::BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(15),
    }
}

/// An error that no retry changes: a missing object stays missing, refused credentials stay
/// refused.
fn is_permanent(error: &object_store::Error) -> bool {
    matches!(
        error,
        object_store::Error::NotFound { .. }
            | object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }
    )
}

impl Store {
    /// Opens `url`: `file:///DIR` (created if missing) or `s3://BUCKET[/PREFIX]` (endpoint,
    /// region and credentials from the environment: `AWS_ENDPOINT`, `AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`; `AWS_ALLOW_HTTP=true` for a loopback
    /// server; object_store reads the other `AWS_*` variables it knows too, such as
    /// `AWS_SESSION_TOKEN`).
    pub fn open(url: &str) -> Result<Self, ClusterError> {
        Self::open_url(url, None)
    }

    /// Opens `url` like [`Store::open`], but an `s3://` store takes its endpoint, region and
    /// credentials from `s3` only, not from the environment (for a program that talks to
    /// several stores, or tests that run in parallel). A `file://` URL ignores `s3`.
    pub fn open_with(url: &str, s3: &S3Settings) -> Result<Self, ClusterError> {
        Self::open_url(url, Some(s3))
    }

    fn open_url(url: &str, s3: Option<&S3Settings>) -> Result<Self, ClusterError> {
        let bad = |reason: &str| ClusterError::BadStoreUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(dir) = url.strip_prefix("file://") {
            if !dir.starts_with('/') {
                return Err(bad("a file:// URL needs an absolute path (file:///DIR)"));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| bad(&format!("cannot create the directory: {e}")))?;
            let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
                .map_err(|e| bad(&e.to_string()))?;
            return Ok(Self {
                inner: Arc::new(local),
                prefix: String::new(),
                url: url.to_owned(),
            });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(bad("an s3:// URL names a bucket (s3://BUCKET/PREFIX)"));
            }
            return Self::open_s3(url, bucket, prefix.trim_matches('/'), s3);
        }
        Err(bad("unknown scheme"))
    }

    #[cfg(feature = "s3")]
    fn open_s3(
        url: &str,
        bucket: &str,
        prefix: &str,
        settings: Option<&S3Settings>,
    ) -> Result<Self, ClusterError> {
        use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};

        let builder = match settings {
            None => AmazonS3Builder::from_env(),
            Some(settings) => {
                let mut builder = AmazonS3Builder::new().with_allow_http(settings.allow_http);
                if let Some(endpoint) = &settings.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(region) = &settings.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &settings.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &settings.secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                builder
            }
        };
        for (key, variable) in [
            (AmazonS3ConfigKey::AccessKeyId, "AWS_ACCESS_KEY_ID"),
            (AmazonS3ConfigKey::SecretAccessKey, "AWS_SECRET_ACCESS_KEY"),
        ] {
            if builder.get_config_value(&key).is_none_or(|v| v.is_empty()) {
                return Err(ClusterError::BadStoreUrl {
                    url: url.to_owned(),
                    reason: format!("no credentials: {variable} is not set"),
                });
            }
        }
        let s3 = builder
            .with_bucket_name(bucket)
            .with_retry(s3_retry())
            .build()
            .map_err(|e| ClusterError::BadStoreUrl {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            inner: Arc::new(s3),
            prefix: prefix.to_owned(),
            url: url.to_owned(),
        })
    }

    #[cfg(not(feature = "s3"))]
    fn open_s3(
        url: &str,
        _bucket: &str,
        _prefix: &str,
        _settings: Option<&S3Settings>,
    ) -> Result<Self, ClusterError> {
        Err(ClusterError::BadStoreUrl {
            url: url.to_owned(),
            reason: "this build has no S3 support (build tessera-sdk with the `s3` feature)"
                .to_owned(),
        })
    }

    /// The store's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn path(&self, name: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(name)
        } else {
            Path::from(format!("{}/{name}", self.prefix))
        }
    }

    fn error(&self, what: String, error: object_store::Error) -> ClusterError {
        ClusterError::Store {
            url: self.url.clone(),
            what,
            error,
        }
    }

    /// Writes `bytes` as `name` (replacing it: names are deterministic, so a rewrite holds
    /// the same bytes) and returns their SHA-256.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<String, ClusterError> {
        let hash = sha256_hex(&bytes);
        let payload = PutPayload::from(bytes);
        let path = self.path(name);
        let mut pause = STORE_RETRY_PAUSE;
        for attempt in 1..=STORE_TRIES {
            match self.inner.put(&path, payload.clone()).await {
                Ok(_) => return Ok(hash),
                Err(error) if attempt == STORE_TRIES || is_permanent(&error) => {
                    return Err(self.error(format!("cannot write {name}"), error))
                }
                Err(error) => {
                    tracing::warn!(store = %self.url, artifact = name, %error, attempt, "write failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    /// The bytes of `name`.
    pub async fn get(&self, name: &str) -> Result<Vec<u8>, ClusterError> {
        let path = self.path(name);
        let mut pause = STORE_RETRY_PAUSE;
        for attempt in 1..=STORE_TRIES {
            let result = match self.inner.get(&path).await {
                Ok(got) => got.bytes().await,
                Err(error) => Err(error),
            };
            match result {
                Ok(bytes) => return Ok(bytes.to_vec()),
                Err(error) if attempt == STORE_TRIES || is_permanent(&error) => {
                    return Err(self.error(format!("cannot read {name}"), error))
                }
                Err(error) => {
                    tracing::warn!(store = %self.url, artifact = name, %error, attempt, "read failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    /// The bytes of `name`, which must hash to `sha256` ([`ClusterError::Corrupted`]
    /// otherwise).
    pub async fn get_checked(&self, name: &str, sha256: &str) -> Result<Vec<u8>, ClusterError> {
        let bytes = self.get(name).await?;
        let found = sha256_hex(&bytes);
        if found != sha256 {
            return Err(ClusterError::Corrupted {
                name: name.to_owned(),
                found,
                expected: sha256.to_owned(),
            });
        }
        Ok(bytes)
    }
}
