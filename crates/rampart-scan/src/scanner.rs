//! Walks targets and scans every file in them.

use crate::error::ScanError;
use crate::formats::{self, Analyzer, ScanContext};
use crate::report::{FileReport, ScanReport};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Instant;

/// Bounds that keep a scan finite whatever the input.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum nesting of containers (archive in archive, pickle in zip in tar).
    pub max_depth: usize,
    /// Maximum bytes an analyser may decompress or buffer for one member.
    pub max_member_bytes: u64,
    /// Maximum members read from one archive.
    pub max_members: usize,
    /// Maximum decompressed / compressed ratio before a member is called a bomb.
    pub max_compression_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_member_bytes: 512 * 1024 * 1024,
            max_members: 100_000,
            max_compression_ratio: 200,
        }
    }
}

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Compute each file's SHA-256 (reads every byte; off by default so that scanning
    /// costs metadata, not tensor bytes).
    pub hash: bool,
    pub limits: Limits,
}

/// Scans targets with the registered analysers.
#[derive(Debug)]
pub struct Scanner {
    options: ScanOptions,
    analyzers: Vec<Box<dyn Analyzer>>,
}

impl Scanner {
    pub fn new(options: ScanOptions) -> Self {
        Scanner {
            options,
            analyzers: formats::registry(),
        }
    }

    /// Scan every target; a target that cannot be scanned becomes an `error` entry.
    pub fn scan(&self, targets: &[String]) -> ScanReport {
        self.scan_with_progress(targets, &mut |_| {})
    }

    /// [`Scanner::scan`], calling `progress` with each report as soon as its file is done
    /// (for progress bars).
    pub fn scan_with_progress(
        &self,
        targets: &[String],
        progress: &mut dyn FnMut(&FileReport),
    ) -> ScanReport {
        let started = Instant::now();
        let mut report = ScanReport::default();
        for target in targets {
            self.scan_local(Path::new(target), &mut report.files, progress);
        }
        // Raw weight files are judged by the descriptors of the whole scan.
        crate::descriptors::apply(&mut report.files);
        report.summarise(started.elapsed().as_millis() as u64);
        report
    }

    /// Scan a file, or every file below a directory. Symbolic links are not followed, so
    /// link loops cannot trap the walk.
    fn scan_local(
        &self,
        path: &Path,
        out: &mut Vec<FileReport>,
        progress: &mut dyn FnMut(&FileReport),
    ) {
        let display = path.display().to_string();
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                return out.push(FileReport::error(
                    display.clone(),
                    "unknown",
                    ScanError::Io {
                        path: display,
                        source: e,
                    }
                    .to_string(),
                ));
            }
        };
        if meta.file_type().is_symlink() {
            return out.push(FileReport::error(
                display,
                "unknown",
                "symbolic link not followed".into(),
            ));
        }
        if meta.is_dir() {
            let mut entries: Vec<_> = match std::fs::read_dir(path) {
                Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
                Err(e) => {
                    return out.push(FileReport::error(
                        display.clone(),
                        "unknown",
                        ScanError::Io {
                            path: display,
                            source: e,
                        }
                        .to_string(),
                    ));
                }
            };
            entries.sort();
            for entry in entries {
                self.scan_local(&entry, out, progress);
            }
            return;
        }
        let before = out.len();
        out.extend(self.scan_file(path, meta.len()));
        for f in &out[before..] {
            progress(f);
        }
    }

    /// Scan one local file; returns its report followed by the reports of its members.
    pub fn scan_file(&self, path: &Path, len: u64) -> Vec<FileReport> {
        let display = path.display().to_string();
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return vec![FileReport::error(
                    display.clone(),
                    "unknown",
                    ScanError::Io {
                        path: display,
                        source: e,
                    }
                    .to_string(),
                )];
            }
        };
        let mut reader = BufReader::new(file);
        let mut cx = ScanContext::new(&self.analyzers, &self.options.limits);
        let mut report = formats::analyze_content(&mut cx, display, &mut reader, len);
        if self.options.hash {
            match sha256_file(path) {
                Ok(h) => report.sha256 = Some(h),
                Err(e) => {
                    report =
                        FileReport::error(report.path, &report.format, format!("cannot hash: {e}"))
                }
            }
        }
        let mut reports = vec![report];
        reports.extend(cx.take_members());
        reports
    }
}

impl Scanner {
    /// The options this scanner was built with.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Scan content already in memory (fuzzing, downloaded objects), reported under
    /// `display`; returns its report followed by the reports of its members.
    pub fn scan_bytes(&self, display: &str, bytes: &[u8]) -> Vec<FileReport> {
        self.scan_reader(
            display,
            &mut std::io::Cursor::new(bytes),
            bytes.len() as u64,
        )
    }

    /// Scan content behind any seekable reader (a remote object read by ranges), reported
    /// under `display`. With `hash`, the whole content is read once more for SHA-256.
    pub fn scan_reader(
        &self,
        display: &str,
        reader: &mut dyn formats::ReadSeek,
        len: u64,
    ) -> Vec<FileReport> {
        let mut cx = ScanContext::new(&self.analyzers, &self.options.limits);
        let mut report = formats::analyze_content(&mut cx, display.to_owned(), reader, len);
        if self.options.hash && report.error.is_none() {
            match sha256_reader(reader) {
                Ok(h) => report.sha256 = Some(h),
                Err(e) => {
                    report =
                        FileReport::error(report.path, &report.format, format!("cannot hash: {e}"))
                }
            }
        }
        let mut reports = vec![report];
        reports.extend(cx.take_members());
        reports
    }
}

fn sha256_reader(reader: &mut dyn formats::ReadSeek) -> std::io::Result<String> {
    reader.rewind()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// SHA-256 of a file, hex-encoded, streamed in large blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;

    #[test]
    fn missing_target_is_an_error_entry_not_a_crash() {
        let r = Scanner::new(ScanOptions::default()).scan(&["/definitely/not/here".into()]);
        assert_eq!(r.files.len(), 1);
        assert_eq!(r.files[0].verdict, Verdict::Error);
        assert_eq!(r.summary.errors, 1);
    }

    #[test]
    fn directories_are_walked_and_hashes_are_sha256() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/a.bin"), b"abc").unwrap();
        let opts = ScanOptions {
            hash: true,
            ..ScanOptions::default()
        };
        let r = Scanner::new(opts).scan(&[dir.path().display().to_string()]);
        assert_eq!(r.files.len(), 1);
        assert_eq!(
            r.files[0].sha256.as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_terminate() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let r = Scanner::new(ScanOptions::default()).scan(&[dir.path().display().to_string()]);
        assert_eq!(r.files.len(), 1);
        assert_eq!(r.files[0].verdict, Verdict::Error);
    }
}
