//! Writing a file's bytes as they arrive (an upload's body), without holding them in memory.
//!
//! The bytes go to a temporary name beside the final one. [`FileWriter::finish`] flushes them,
//! `fsync`s the file, renames it to its key and `fsync`s the directory, so the key appears only
//! with every byte on disk. A writer dropped before `finish` — the upload was refused, the
//! client went away, the request's task was cancelled — removes its temporary file: an aborted
//! write leaves nothing.

use crate::files::{LocalDirStorage, StorageFuture};
use std::io::{self, Write};
use std::path::PathBuf;

/// Bytes gathered before they are written: an upload's chunks are a few KiB to a few hundred,
/// and each write is a trip to tokio's blocking pool. One buffer per writer, allocated once
/// and handed to the blocking pool and back, so a long upload allocates nothing per chunk.
const WRITE_BUFFER: usize = 1024 * 1024;

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
    /// The open temporary file and the buffer, or None while the blocking pool has them.
    state: Option<(std::fs::File, Vec<u8>)>,
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
            .await?
            .into_std()
            .await;
        Ok(LocalFileWriter {
            state: Some((file, Vec::with_capacity(WRITE_BUFFER))),
            temp,
            path,
            finished: false,
        })
    }
}

/// Runs `f` on the file and buffer in the blocking pool and gives them back.
async fn blocking<T: Send + 'static>(
    state: (std::fs::File, Vec<u8>),
    f: impl FnOnce(&mut std::fs::File, &mut Vec<u8>) -> io::Result<T> + Send + 'static,
) -> io::Result<((std::fs::File, Vec<u8>), T)> {
    tokio::task::spawn_blocking(move || {
        let (mut file, mut buf) = state;
        let out = f(&mut file, &mut buf)?;
        Ok(((file, buf), out))
    })
    .await
    .map_err(io::Error::other)?
}

fn flush(file: &mut std::fs::File, buf: &mut Vec<u8>) -> io::Result<()> {
    file.write_all(buf)?;
    buf.clear();
    Ok(())
}

impl LocalFileWriter {
    async fn write_inner(&mut self, mut chunk: &[u8]) -> io::Result<()> {
        while !chunk.is_empty() {
            let (file, mut buf) = self
                .state
                .take()
                .ok_or_else(|| io::Error::other("write after finish or failure"))?;
            let take = chunk.len().min(WRITE_BUFFER - buf.len());
            buf.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if buf.len() < WRITE_BUFFER {
                self.state = Some((file, buf));
            } else {
                let (state, ()) = blocking((file, buf), flush).await?;
                self.state = Some(state);
            }
        }
        Ok(())
    }

    async fn finish_inner(&mut self) -> io::Result<()> {
        let state = self
            .state
            .take()
            .ok_or_else(|| io::Error::other("finish after failure"))?;
        let temp = self.temp.clone();
        let path = self.path.clone();
        // Flush, fsync, close, rename, then fsync the directory so the rename itself
        // survives a power cut: one trip to the blocking pool.
        blocking(state, move |file, buf| {
            flush(file, buf)?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)?;
            if let Some(parent) = path.parent() {
                if let Err(e) = std::fs::File::open(parent).and_then(|d| d.sync_all()) {
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
            }
            Ok(())
        })
        .await
        .map(|_| ())?;
        self.finished = true;
        Ok(())
    }
}

impl FileWriter for LocalFileWriter {
    fn write<'a>(&'a mut self, chunk: &'a [u8]) -> StorageFuture<'a, ()> {
        Box::pin(self.write_inner(chunk))
    }

    fn finish(mut self: Box<Self>) -> StorageFuture<'static, ()> {
        Box::pin(async move { self.finish_inner().await })
    }
}

impl Drop for LocalFileWriter {
    fn drop(&mut self) {
        if !self.finished {
            // Also after a rename that was then undone: removing a missing file is fine. A
            // write still running in the blocking pool (the request was dropped mid-write)
            // lands in the unlinked inode and is freed with it.
            self.state.take();
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
