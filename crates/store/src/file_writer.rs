//! Writing a file's bytes as they arrive (an upload's body), without holding them in memory.
//!
//! The bytes go to a temporary name beside the final one. [`FileWriter::finish`] flushes them,
//! `fsync`s the file, renames it to its key and `fsync`s the directory, so the key appears only
//! with every byte on disk. A writer dropped before `finish` — the upload was refused, the
//! client went away, the request's task was cancelled — removes its temporary file: an aborted
//! write leaves nothing.

use crate::files::{LocalDirStorage, StorageFuture};
use std::io;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// Bytes gathered before each write reaches the file system: an upload's chunks are a few KiB,
/// and each write is a trip to tokio's blocking pool.
const WRITE_BUFFER: usize = 256 * 1024;

/// A file being written. Dropping it without [`FileWriter::finish`] discards what was written.
pub trait FileWriter: Send {
    /// Appends `chunk`.
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> StorageFuture<'a, ()>;
    /// Makes the bytes durable and visible under the writer's key. On an error nothing is
    /// left under the key.
    fn finish(self: Box<Self>) -> StorageFuture<'static, ()>;
}

/// A [`FileWriter`] into a [`LocalDirStorage`].
pub struct LocalFileWriter {
    file: Option<tokio::io::BufWriter<tokio::fs::File>>,
    temp: PathBuf,
    path: PathBuf,
    finished: bool,
}

impl LocalDirStorage {
    /// Opens a temporary file for `key` (its directories created as needed).
    pub async fn begin_write(&self, key: &str) -> io::Result<LocalFileWriter> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let temp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await?;
        Ok(LocalFileWriter {
            file: Some(tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file)),
            temp,
            path,
            finished: false,
        })
    }
}

impl LocalFileWriter {
    async fn finish_inner(&mut self) -> io::Result<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("finished twice"))?;
        file.flush().await?;
        let file = file.into_inner();
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&self.temp, &self.path).await?;
        self.finished = true;
        // The rename itself must survive a power cut: sync the directory entry too.
        if let Some(parent) = self.path.parent() {
            let dir = parent.to_path_buf();
            let synced = tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
                .await
                .map_err(io::Error::other)?;
            if let Err(e) = synced {
                let _ = tokio::fs::remove_file(&self.path).await;
                return Err(e);
            }
        }
        Ok(())
    }
}

impl FileWriter for LocalFileWriter {
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            match self.file.as_mut() {
                Some(file) => file.write_all(chunk).await,
                None => Err(io::Error::other("write after finish")),
            }
        })
    }

    fn finish(mut self: Box<Self>) -> StorageFuture<'static, ()> {
        Box::pin(async move { self.finish_inner().await })
    }
}

impl Drop for LocalFileWriter {
    fn drop(&mut self) {
        if !self.finished {
            // Unlinking an open file is fine on Unix; a write still queued on tokio's blocking
            // pool lands in the unlinked inode and is freed with it.
            self.file.take();
            if let Err(e) = std::fs::remove_file(&self.temp) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(error = %e, path = %self.temp.display(), "removing a partial file");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::files::{FileStorage, LocalDirStorage};

    fn files_under(root: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                out.extend(files_under(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    #[tokio::test]
    async fn a_finished_write_appears_whole_and_a_dropped_one_leaves_nothing() {
        let root = std::env::temp_dir().join(format!("depot-writer-{}", uuid::Uuid::new_v4()));
        let storage = LocalDirStorage::new(&root);

        let mut w = storage.create("b1/kept").await.unwrap();
        for i in 0..100u8 {
            w.write(&[i; 10_000]).await.unwrap();
        }
        // Nothing under the key before finish.
        assert_eq!(storage.get("b1/kept").await.unwrap(), None);
        w.finish().await.unwrap();
        let bytes = storage.get("b1/kept").await.unwrap().unwrap();
        assert_eq!(bytes.len(), 1_000_000);
        assert_eq!(bytes[999_999], 99);
        assert_eq!(storage.local_path("b1/kept").unwrap(), root.join("b1/kept"));

        let mut w = storage.create("b1/dropped").await.unwrap();
        w.write(&[1; 300_000]).await.unwrap();
        assert_eq!(files_under(&root).len(), 2, "the temporary file exists");
        drop(w);
        assert_eq!(files_under(&root), vec![root.join("b1/kept")]);
        assert!(storage.create("../escape").await.is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
