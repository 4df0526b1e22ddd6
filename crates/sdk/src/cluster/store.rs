//! Artifacts in an object store (a local directory, or S3 with the `s3` feature), each
//! checked against the SHA-256 the database records for it.

use std::{sync::Arc, time::Duration};

use object_store::{path::Path, ObjectStore, PutPayload};
use sha2::{Digest, Sha256};

use super::ClusterError;

/// How often a failed store operation is tried before its error is returned, and the pause
/// before the first retry (doubled after each).
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

impl Store {
    /// Opens `url`: `file:///DIR` (created if missing) or `s3://BUCKET[/PREFIX]` (endpoint,
    /// region and credentials from the environment: `AWS_ENDPOINT`, `AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`; `AWS_ALLOW_HTTP=true` for a loopback
    /// server).
    pub fn open(url: &str) -> Result<Self, ClusterError> {
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
            return Self::open_s3(url, bucket, prefix.trim_matches('/'));
        }
        Err(bad("unknown scheme"))
    }

    #[cfg(feature = "s3")]
    fn open_s3(url: &str, bucket: &str, prefix: &str) -> Result<Self, ClusterError> {
        for variable in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            if std::env::var_os(variable).is_none() {
                return Err(ClusterError::BadStoreUrl {
                    url: url.to_owned(),
                    reason: format!("no credentials: {variable} is not set"),
                });
            }
        }
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
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
    fn open_s3(url: &str, _bucket: &str, _prefix: &str) -> Result<Self, ClusterError> {
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
                Err(error) if attempt == STORE_TRIES => {
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
                // A missing object stays missing.
                Err(error @ object_store::Error::NotFound { .. }) => {
                    return Err(self.error(format!("cannot read {name}"), error))
                }
                Err(error) if attempt == STORE_TRIES => {
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
