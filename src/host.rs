//! The node's filesystem, rooted at `--host-root`.
//!
//! Every read or write of a node path (/proc, /sys, /etc, /run, /var/lib)
//! goes through [`Host`], so k8snet works the same on a node (`/`), in a
//! DaemonSet with the host mounted at `/host`, and in tests against a
//! temporary directory. Errors keep the full path and the kind callers
//! branch on (not found vs permission denied vs read-only).
#![allow(clippy::disallowed_methods)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::exec::Exec;

/// The node's filesystem plus the two other seams to the machine.
pub struct Host {
    root: PathBuf,
    /// Runs external tools (iptables-save, ip, modprobe).
    pub exec: Exec,
    /// Time and sleeping.
    pub clock: Box<dyn Clock>,
}

/// Why a host path could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The path does not exist (a sysctl key of a module that is not loaded).
    #[error("{}: not found", path.display())]
    NotFound {
        /// Full path, host root included.
        path: PathBuf,
    },
    /// EACCES/EPERM: not root, or a key the kernel makes read-only here.
    #[error("{}: permission denied", path.display())]
    PermissionDenied {
        /// Full path, host root included.
        path: PathBuf,
    },
    /// EROFS: /proc/sys mounted read-only, as in most containers.
    #[error("{}: read-only file system", path.display())]
    ReadOnly {
        /// Full path, host root included.
        path: PathBuf,
    },
    /// Anything else, with the OS error.
    #[error("{}: {source}", path.display())]
    Io {
        /// Full path, host root included.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl HostError {
    /// `source`, an I/O error on `path`, as the kind callers branch on.
    pub(crate) fn from_io(path: PathBuf, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::NotFound => HostError::NotFound { path },
            io::ErrorKind::PermissionDenied => HostError::PermissionDenied { path },
            io::ErrorKind::ReadOnlyFilesystem => HostError::ReadOnly { path },
            _ => HostError::Io { path, source },
        }
    }

    /// The full path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            HostError::NotFound { path }
            | HostError::PermissionDenied { path }
            | HostError::ReadOnly { path }
            | HostError::Io { path, .. } => path,
        }
    }
}

/// An open exclusive lock; released when dropped.
pub struct HostLock {
    _file: File,
}

/// A file written next to its destination but not yet renamed into place.
///
/// Dropping it without [`Staged::commit`] removes the temporary file; a crash
/// before commit leaves the destination untouched and a temporary whose name
/// ends in `.tmp`, which systemd-sysctl and modules-load ignore (they read
/// only `*.conf`).
pub struct Staged {
    temp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl Staged {
    /// Rename the temporary over the destination and fsync the directory,
    /// so after a crash the file is either the old one or the new one.
    pub fn commit(mut self) -> Result<(), HostError> {
        fs::rename(&self.temp, &self.dest).map_err(|e| HostError::from_io(self.dest.clone(), e))?;
        self.committed = true;
        if let Some(dir) = self.dest.parent() {
            // Directory fsync makes the rename itself durable; failure here
            // does not undo the (already visible) new file, so it is ignored.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    /// Where the content waits until commit.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

impl Host {
    /// A host rooted at `root`.
    pub fn new(root: impl Into<PathBuf>, exec: Exec, clock: Box<dyn Clock>) -> Self {
        Host {
            root: root.into(),
            exec,
            clock,
        }
    }

    /// The root every node path is resolved under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True when the root is the real `/` (not a mounted or fake tree).
    pub fn is_real_root(&self) -> bool {
        self.root == Path::new("/")
    }

    /// Absolute path of a node path such as `/proc/sys/net/ipv4/ip_forward`.
    pub fn path(&self, node_path: &str) -> PathBuf {
        self.root.join(node_path.trim_start_matches('/'))
    }

    /// Read a whole text file.
    pub fn read(&self, node_path: &str) -> Result<String, HostError> {
        let path = self.path(node_path);
        read_text(&path).map_err(|e| HostError::from_io(path, e))
    }

    /// Read a file if it exists; `Ok(None)` when it does not.
    pub fn read_optional(&self, node_path: &str) -> Result<Option<String>, HostError> {
        match self.read(node_path) {
            Ok(text) => Ok(Some(text)),
            Err(HostError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether a node path exists (a dangling link counts as absent).
    pub fn exists(&self, node_path: &str) -> bool {
        self.path(node_path).exists()
    }

    /// Whether a node path is a directory.
    pub fn is_dir(&self, node_path: &str) -> bool {
        self.path(node_path).is_dir()
    }

    /// Permission bits of a node path (e.g. 0o444 for a read-only sysctl).
    pub fn mode(&self, node_path: &str) -> Result<u32, HostError> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path(node_path);
        fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o7777)
            .map_err(|e| HostError::from_io(path, e))
    }

    /// Whether the filesystem holding a node path is mounted read-only, as
    /// /proc/sys is in most containers and the whole root is in a DaemonSet
    /// that mounts the node read-only.
    pub fn on_read_only_mount(&self, node_path: &str) -> Result<bool, HostError> {
        let path = self.path(node_path);
        rustix::fs::statvfs(&path)
            .map(|fs| fs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
            .map_err(|e| HostError::from_io(path, e.into()))
    }

    /// Target of a symbolic link, as the kernel reports it
    /// (`/proc/self/ns/net` reads `net:[4026531840]`).
    pub fn read_link(&self, node_path: &str) -> Result<String, HostError> {
        let path = self.path(node_path);
        fs::read_link(&path)
            .map(|target| target.to_string_lossy().into_owned())
            .map_err(|e| HostError::from_io(path, e))
    }

    /// Names of the entries of a directory, sorted; `Ok(vec![])` when the
    /// directory does not exist.
    pub fn list(&self, node_dir: &str) -> Result<Vec<String>, HostError> {
        let path = self.path(node_dir);
        let entries = match fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(HostError::from_io(path, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| HostError::from_io(path.clone(), e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    /// Write a value to an existing file in place (a /proc/sys key).
    pub fn write_in_place(&self, node_path: &str, value: &str) -> Result<(), HostError> {
        let path = self.path(node_path);
        let mut file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| HostError::from_io(path.clone(), e))?;
        file.write_all(value.as_bytes())
            .map_err(|e| HostError::from_io(path, e))
    }

    /// Create a directory and its parents.
    pub fn create_dir_all(&self, node_dir: &str) -> Result<(), HostError> {
        let path = self.path(node_dir);
        fs::create_dir_all(&path).map_err(|e| HostError::from_io(path, e))
    }

    /// Write `content` to a temporary file beside `node_path` and fsync it.
    /// Nothing is visible at `node_path` until [`Staged::commit`].
    pub fn stage(&self, node_path: &str, content: &str) -> Result<Staged, HostError> {
        let dest = self.path(node_path);
        let dir = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| HostError::from_io(dir.clone(), e))?;
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let staged = Staged {
            temp: temp.clone(),
            dest,
            committed: false,
        };
        let mut file = File::create(&temp).map_err(|e| HostError::from_io(temp.clone(), e))?;
        file.write_all(content.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| HostError::from_io(temp, e))?;
        Ok(staged)
    }

    /// Replace a file atomically: temp file + fsync + rename. Readers see
    /// the old content or the new content, never a half-written file.
    pub fn write_atomic(&self, node_path: &str, content: &str) -> Result<(), HostError> {
        self.stage(node_path, content)?.commit()
    }

    /// Remove a file; removing a file that does not exist succeeds.
    pub fn remove(&self, node_path: &str) -> Result<(), HostError> {
        let path = self.path(node_path);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(HostError::from_io(path, e)),
            _ => Ok(()),
        }
    }

    /// Try to take an exclusive advisory lock on `node_path` (created if
    /// missing). `Ok(None)` when another process holds it.
    pub fn try_lock(&self, node_path: &str) -> Result<Option<HostLock>, HostError> {
        let path = self.path(node_path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| HostError::from_io(dir.to_path_buf(), e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| HostError::from_io(path.clone(), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(HostLock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(HostError::from_io(path, e)),
        }
    }
}

/// Reads page by page without asking for the size first. /proc and /sys
/// files report a size of 0 and the rest are small; std's read_to_end asks
/// anyway (statx, statx, lseek per file), which was a third of
/// `k8snet check`'s system calls.
fn read_text(path: &Path) -> io::Result<String> {
    use std::io::Read;
    let mut file = File::open(path)?;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Read a file the user named on the command line (a profile, a dump):
/// relative to the working directory, not under the host root.
pub fn read_user_file(path: &Path) -> Result<String, HostError> {
    fs::read_to_string(path).map_err(|e| HostError::from_io(path.to_path_buf(), e))
}

/// Open a file the user named on the command line to read it as a
/// stream (a dump, parsed while it is read).
pub fn open_user_file(path: &Path) -> Result<File, HostError> {
    File::open(path).map_err(|e| HostError::from_io(path.to_path_buf(), e))
}

/// Write a file the user named on the command line (`--junit-file`).
pub fn write_user_file(path: &Path, content: &[u8]) -> Result<(), HostError> {
    fs::write(path, content).map_err(|e| HostError::from_io(path.to_path_buf(), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    fn temp_host() -> (tempfile::TempDir, Host) {
        let dir = tempfile::tempdir().expect("tempdir");
        let host = Host::new(dir.path(), Exec::from_env(), Box::new(SystemClock));
        (dir, host)
    }

    #[test]
    fn paths_resolve_under_the_root() {
        let (dir, host) = temp_host();
        assert_eq!(host.path("/proc/sys/x"), dir.path().join("proc/sys/x"));
        assert_eq!(host.path("etc/sysctl.d"), dir.path().join("etc/sysctl.d"));
    }

    #[test]
    fn missing_file_is_not_found_with_its_path() {
        let (dir, host) = temp_host();
        let err = host.read("/proc/sys/net/ipv4/ip_forward").unwrap_err();
        assert!(matches!(err, HostError::NotFound { .. }));
        assert!(err.path().starts_with(dir.path()));
        assert!(host.read_optional("/nope").expect("optional").is_none());
    }

    #[test]
    fn permission_denied_is_its_own_kind() {
        let err = HostError::from_io(
            PathBuf::from("/proc/sys/x"),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(err.to_string(), "/proc/sys/x: permission denied");
    }

    #[test]
    fn an_uncommitted_stage_leaves_the_old_file_intact() {
        let (_dir, host) = temp_host();
        host.write_atomic("/etc/sysctl.d/99-k8snet.conf", "old\n")
            .expect("first write");
        let staged = host
            .stage("/etc/sysctl.d/99-k8snet.conf", "new\n")
            .expect("stage");
        let temp = staged.temp_path().to_path_buf();
        assert!(!temp.to_string_lossy().ends_with(".conf"));
        // A crash between write and rename: the temporary is never renamed.
        std::mem::forget(staged);
        assert_eq!(
            host.read("/etc/sysctl.d/99-k8snet.conf").expect("read"),
            "old\n"
        );
        std::fs::remove_file(temp).expect("cleanup");
    }

    #[test]
    fn second_lock_is_refused_while_the_first_is_held() {
        let (_dir, host) = temp_host();
        let first = host.try_lock("/var/lib/k8snet/lock").expect("lock");
        assert!(first.is_some());
        assert!(
            host.try_lock("/var/lib/k8snet/lock")
                .expect("lock")
                .is_none()
        );
        drop(first);
        assert!(
            host.try_lock("/var/lib/k8snet/lock")
                .expect("lock")
                .is_some()
        );
    }
}
