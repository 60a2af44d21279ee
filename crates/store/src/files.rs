//! Files: their metadata in the `files` table, their bytes in a [`FileStorage`].
//!
//! A file is reached by a random token (see [`new_file_token`]) that is the unguessable part of
//! its public URL; the bytes are kept under a separate storage key, so the storage's layout says
//! nothing about the URLs.

pub use crate::file_writer::FileWriter;
use crate::sql::Row;
use crate::{Db, Result};
use rand::distributions::{Alphanumeric, DistString};
use std::future::Future;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;

/// Characters in a file token: 32 alphanumerics, about 190 bits of randomness.
pub const FILE_TOKEN_LEN: usize = 32;

/// A fresh, unguessable file token.
pub fn new_file_token() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), FILE_TOKEN_LEN)
}

/// True when `token` has the shape of a file token (checked before any lookup).
pub fn is_file_token(token: &str) -> bool {
    token.len() == FILE_TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A stored file's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub id: i64,
    pub business_id: i64,
    pub token: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub storage_key: String,
    pub created_time: i64,
}

impl TryFrom<Row> for FileRecord {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<Self, crate::StoreError> {
        Ok(FileRecord {
            id: r.try_get("id")?,
            business_id: r.try_get("business_id")?,
            token: r.try_get("token")?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
            storage_key: r.try_get("storage_key")?,
            created_time: r.try_get("created_time")?,
        })
    }
}

/// What recording a new file needs.
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub business_id: i64,
    pub token: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub storage_key: &'a str,
}

impl Db {
    pub async fn insert_file(&self, file: &NewFile<'_>, now: i64) -> Result<FileRecord> {
        let row = crate::sql::query(
            "INSERT INTO files (business_id, token, file_name, content_type, size, storage_key, \
             created_time) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(file.business_id)
        .bind(file.token)
        .bind(file.file_name)
        .bind(file.content_type)
        .bind(file.size)
        .bind(file.storage_key)
        .bind(now)
        .fetch_one(self.writer())
        .await?;
        FileRecord::try_from(row)
    }

    /// The file a token names, whoever owns it: the token itself is the permission.
    pub async fn file_by_token(&self, token: &str) -> Result<Option<FileRecord>> {
        let row = crate::sql::query("SELECT * FROM files WHERE token = $1")
            .bind(token)
            .fetch_optional(self.reader())
            .await?;
        row.map(FileRecord::try_from).transpose()
    }
}

/// A boxed future, so [`FileStorage`] stays usable as `dyn FileStorage`.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Where file bytes live. Keys are relative paths made of `[A-Za-z0-9_-]` segments joined by
/// `/`; a local directory is the default, an object store can implement the same three calls.
pub trait FileStorage: Send + Sync + 'static {
    /// Stores `bytes` under `key`, all or nothing: a reader never sees half a file.
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> StorageFuture<'a, ()>;
    /// The bytes under `key`, or None when there are none.
    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<Vec<u8>>>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()>;
    /// Starts writing `key` chunk by chunk, for bytes that arrive as a stream (uploads):
    /// nothing is visible under `key` until [`FileWriter::finish`], and a writer dropped
    /// before that leaves nothing behind.
    fn create<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Box<dyn FileWriter>>;
    /// Where the bytes of `key` sit on the local file system, so they can be served with
    /// ranges; None for a storage that is not a local directory.
    fn local_path(&self, key: &str) -> Option<PathBuf>;
}

/// Files as plain files under one directory (created on first write).
#[derive(Debug, Clone)]
pub struct LocalDirStorage {
    root: PathBuf,
}

impl LocalDirStorage {
    pub fn new(root: impl Into<PathBuf>) -> LocalDirStorage {
        LocalDirStorage { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `key`, refusing anything that could leave the root.
    pub(crate) fn path(&self, key: &str) -> io::Result<PathBuf> {
        let relative = Path::new(key);
        let plain = !key.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_/.".contains(&b));
        if plain {
            Ok(self.root.join(relative))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad storage key {key:?}"),
            ))
        }
    }
}

impl FileStorage for LocalDirStorage {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            // Write beside, then rename: the final name appears only with all its bytes.
            let temp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
            if let Err(e) = tokio::fs::write(&temp, bytes).await {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
            tokio::fs::rename(&temp, &path).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)?).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }

    fn create<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Box<dyn FileWriter>> {
        Box::pin(async move { Ok(Box::new(self.begin_write(key).await?) as Box<dyn FileWriter>) })
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.path(key).ok()
    }
}

/// A new storage key for a business's file: `b<business>/<uuid v7>`, time-ordered.
pub fn new_storage_key(business_id: i64) -> String {
    format!("b{business_id}/{}", uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_recognisable() {
        let a = new_file_token();
        let b = new_file_token();
        assert_ne!(a, b);
        assert!(is_file_token(&a));
        assert!(!is_file_token("short"));
        assert!(!is_file_token(&format!("{}/", &a[1..])));
    }

    #[tokio::test]
    async fn local_storage_round_trips_and_refuses_escaping_keys() {
        let root = std::env::temp_dir().join(format!("depot-storage-{}", uuid::Uuid::new_v4()));
        let storage = LocalDirStorage::new(&root);
        let key = new_storage_key(7);
        let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        storage.put(&key, &bytes).await.unwrap();
        assert_eq!(storage.get(&key).await.unwrap(), Some(bytes));
        assert_eq!(storage.get("b7/missing").await.unwrap(), None);
        // Only the final file is left, no temporary one.
        let entries: Vec<_> = std::fs::read_dir(root.join("b7")).unwrap().collect();
        assert_eq!(entries.len(), 1);
        storage.delete(&key).await.unwrap();
        storage.delete(&key).await.unwrap();
        assert_eq!(storage.get(&key).await.unwrap(), None);
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a b"] {
            assert!(storage.put(bad, b"x").await.is_err(), "{bad}");
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
