//! Rampart's model file: a header, named tensors, and a SHA-256 trailer.
//!
//! Written by `scripts/install-semantic-model` (which documents the same layout); all
//! integers little-endian:
//!
//! ```text
//! offset  size  field
//! 0       8     magic b"RSEMMDL\0"
//! 8       4     format version (u32) = 1
//! 12      2     architecture name length (u16), then the name (UTF-8)
//! ...     4     tensor count (u32)
//! ...           tensors: name length (u16), name (UTF-8), dtype (u8: 1 = f32, 2 = u8,
//!               3 = u32), rank (u8, 1..=4), rank × dim (u32), data (row-major)
//! end-32  32    SHA-256 of every byte before it
//! ```
//!
//! Why our own format and not `.npz` or safetensors: the reader is eighty lines with every
//! length checked before use, needs no zip or JSON parser at start-up, and the trailer
//! turns a truncated or bit-flipped download into a clear error instead of wrong vectors.
//! Every size is checked against the bytes that remain before anything is allocated, so a
//! hostile header cannot make the reader allocate more than the file holds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::LoadError;

pub(crate) const MAGIC: &[u8; 8] = b"RSEMMDL\0";
pub(crate) const FORMAT_VERSION: u32 = 1;
const CHECKSUM_LEN: usize = 32;
const MAX_RANK: usize = 4;

/// One tensor's values, in the type the file declares.
#[derive(Debug)]
pub(crate) enum Data {
    F32(Vec<f32>),
    U8(Vec<u8>),
    U32(Vec<u32>),
}

#[derive(Debug)]
pub(crate) struct Tensor {
    pub(crate) shape: Vec<usize>,
    pub(crate) data: Data,
}

/// A parsed model file: its architecture name and tensors by name.
#[derive(Debug)]
pub(crate) struct ModelFile {
    pub(crate) path: PathBuf,
    pub(crate) architecture: String,
    tensors: HashMap<String, Tensor>,
}

/// A cursor that refuses to read past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LoadError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let out = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            None => Err(LoadError::Truncated {
                path: self.path.to_path_buf(),
                what: what.to_string(),
            }),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, LoadError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, LoadError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, LoadError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self, what: &str) -> Result<String, LoadError> {
        let len = usize::from(self.u16(what)?);
        let raw = self.take(len, what)?;
        String::from_utf8(raw.to_vec()).map_err(|_| LoadError::Invalid {
            path: self.path.to_path_buf(),
            reason: format!("{what} is not UTF-8"),
        })
    }
}

impl ModelFile {
    /// Parse a whole model file. `path` is only used in errors.
    pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<Self, LoadError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(LoadError::Foreign {
                path: path.to_path_buf(),
            });
        }
        let mut r = Reader {
            bytes,
            pos: MAGIC.len(),
            path,
        };
        let version = r.u32("format version")?;
        if version != FORMAT_VERSION {
            return Err(LoadError::Version {
                path: path.to_path_buf(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        // The checksum comes before the tensors are read, so a truncated file is reported
        // as truncated (or corrupt), never as a tensor with odd values.
        if bytes.len() < r.pos + CHECKSUM_LEN {
            return Err(LoadError::Truncated {
                path: path.to_path_buf(),
                what: "checksum".to_string(),
            });
        }
        let (body, trailer) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if Sha256::digest(body).as_slice() != trailer {
            return Err(LoadError::Checksum {
                path: path.to_path_buf(),
            });
        }
        let mut r = Reader {
            bytes: body,
            pos: r.pos,
            path,
        };
        let architecture = r.string("architecture name")?;
        let count = r.u32("tensor count")?;
        let mut tensors = HashMap::new();
        for _ in 0..count {
            let name = r.string("tensor name")?;
            let dtype = r.u8("tensor dtype")?;
            let rank = usize::from(r.u8("tensor rank")?);
            if rank == 0 || rank > MAX_RANK {
                return Err(invalid(path, format!("tensor {name}: rank {rank}")));
            }
            let mut shape = Vec::with_capacity(rank);
            let mut count: usize = 1;
            for _ in 0..rank {
                let d = r.u32("tensor shape")? as usize;
                count = count
                    .checked_mul(d)
                    .ok_or_else(|| invalid(path, format!("tensor {name}: size overflows")))?;
                shape.push(d);
            }
            let elem = match dtype {
                1 | 3 => 4,
                2 => 1,
                other => return Err(invalid(path, format!("tensor {name}: dtype {other}"))),
            };
            let len = count
                .checked_mul(elem)
                .ok_or_else(|| invalid(path, format!("tensor {name}: size overflows")))?;
            let raw = r.take(len, &format!("tensor {name}"))?;
            let data = match dtype {
                1 => Data::F32(
                    raw.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                ),
                3 => Data::U32(
                    raw.chunks_exact(4)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                ),
                _ => Data::U8(raw.to_vec()),
            };
            if tensors
                .insert(name.clone(), Tensor { shape, data })
                .is_some()
            {
                return Err(invalid(path, format!("tensor {name} appears twice")));
            }
        }
        if r.pos != body.len() {
            return Err(invalid(path, "bytes after the last tensor".to_string()));
        }
        Ok(Self {
            path: path.to_path_buf(),
            architecture,
            tensors,
        })
    }

    fn get(&self, name: &str) -> Result<&Tensor, LoadError> {
        self.tensors
            .get(name)
            .ok_or_else(|| invalid(&self.path, format!("tensor {name} is missing")))
    }

    fn check_shape(&self, name: &str, t: &Tensor, shape: &[usize]) -> Result<(), LoadError> {
        if t.shape != shape {
            return Err(invalid(
                &self.path,
                format!("tensor {name} has shape {:?}, expected {shape:?}", t.shape),
            ));
        }
        Ok(())
    }

    /// Take an f32 tensor of exactly `shape`.
    pub(crate) fn f32(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, LoadError> {
        let t = self.get(name)?;
        self.check_shape(name, t, shape)?;
        match self.tensors.remove(name).map(|t| t.data) {
            Some(Data::F32(v)) => Ok(v),
            _ => Err(invalid(&self.path, format!("tensor {name} is not f32"))),
        }
    }

    /// Take a u8 tensor; `shape` entries of `None` accept any length.
    pub(crate) fn u8(&mut self, name: &str, shape: &[Option<usize>]) -> Result<Tensor, LoadError> {
        self.take_typed(name, shape, |d| matches!(d, Data::U8(_)), "u8")
    }

    /// Take a u32 tensor; `shape` entries of `None` accept any length.
    pub(crate) fn u32(&mut self, name: &str, shape: &[Option<usize>]) -> Result<Tensor, LoadError> {
        self.take_typed(name, shape, |d| matches!(d, Data::U32(_)), "u32")
    }

    /// Take an f32 tensor; `shape` entries of `None` accept any length.
    pub(crate) fn f32_any(
        &mut self,
        name: &str,
        shape: &[Option<usize>],
    ) -> Result<Tensor, LoadError> {
        self.take_typed(name, shape, |d| matches!(d, Data::F32(_)), "f32")
    }

    fn take_typed(
        &mut self,
        name: &str,
        shape: &[Option<usize>],
        is_type: fn(&Data) -> bool,
        type_name: &str,
    ) -> Result<Tensor, LoadError> {
        let t = self.get(name)?;
        let fits = t.shape.len() == shape.len()
            && t.shape
                .iter()
                .zip(shape)
                .all(|(&d, want)| want.is_none_or(|w| w == d));
        if !fits {
            return Err(invalid(
                &self.path,
                format!("tensor {name} has shape {:?}, expected {shape:?}", t.shape),
            ));
        }
        if !is_type(&t.data) {
            return Err(invalid(
                &self.path,
                format!("tensor {name} is not {type_name}"),
            ));
        }
        self.tensors
            .remove(name)
            .ok_or_else(|| invalid(&self.path, format!("tensor {name} is missing")))
    }
}

pub(crate) fn invalid(path: &Path, reason: String) -> LoadError {
    LoadError::Invalid {
        path: path.to_path_buf(),
        reason,
    }
}

/// Writes a model file in this format: the installer's job in production (Python), used
/// here by tests to build small and broken files, and by [`crate::synthetic`].
#[cfg(any(test, feature = "synthetic"))]
pub(crate) fn write(architecture: &str, tensors: &[(&str, &[usize], Data)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(architecture.len() as u16).to_le_bytes());
    out.extend_from_slice(architecture.as_bytes());
    out.extend_from_slice(&(tensors.len() as u32).to_le_bytes());
    for (name, shape, data) in tensors {
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        let dtype = match data {
            Data::F32(_) => 1u8,
            Data::U8(_) => 2,
            Data::U32(_) => 3,
        };
        out.push(dtype);
        out.push(shape.len() as u8);
        for d in *shape {
            out.extend_from_slice(&(*d as u32).to_le_bytes());
        }
        match data {
            Data::F32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Data::U8(v) => out.extend_from_slice(v),
            Data::U32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
    }
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        write(
            "test-arch",
            &[
                ("a", &[2, 2], Data::F32(vec![1.0, 2.0, 3.0, 4.0])),
                ("b", &[3], Data::U8(vec![7, 8, 9])),
            ],
        )
    }

    #[test]
    fn reads_back_what_was_written() {
        let mut f = ModelFile::parse(&sample(), Path::new("m.rsem")).unwrap();
        assert_eq!(f.architecture, "test-arch");
        assert_eq!(f.f32("a", &[2, 2]).unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
        let b = f.u8("b", &[None]).unwrap();
        assert!(matches!(b.data, Data::U8(ref v) if v == &[7, 8, 9]));
    }

    #[test]
    fn every_truncation_is_an_error_naming_the_path() {
        let bytes = sample();
        for len in 0..bytes.len() {
            let err = ModelFile::parse(&bytes[..len], Path::new("/models/m.rsem")).unwrap_err();
            assert!(err.to_string().contains("/models/m.rsem"), "{err}");
            assert!(
                matches!(
                    err,
                    LoadError::Foreign { .. }
                        | LoadError::Truncated { .. }
                        | LoadError::Checksum { .. }
                ),
                "cut at {len}: {err:?}"
            );
        }
    }

    #[test]
    fn a_flipped_bit_is_a_checksum_error() {
        let mut bytes = sample();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x10;
        let err = ModelFile::parse(&bytes, Path::new("m.rsem")).unwrap_err();
        assert!(matches!(err, LoadError::Checksum { .. }), "{err:?}");
    }

    #[test]
    fn a_foreign_file_and_a_newer_version_are_named() {
        let err = ModelFile::parse(b"PK\x03\x04 a zip file", Path::new("m")).unwrap_err();
        assert!(matches!(err, LoadError::Foreign { .. }));
        let mut bytes = sample();
        bytes[8] = 2;
        let err = ModelFile::parse(&bytes, Path::new("m")).unwrap_err();
        assert!(
            matches!(err, LoadError::Version { found: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_huge_declared_shape_is_refused_without_allocating() {
        let bytes = write(
            "x",
            &[(
                "big",
                &[u32::MAX as usize, u32::MAX as usize],
                Data::U8(vec![]),
            )],
        );
        let err = ModelFile::parse(&bytes, Path::new("m")).unwrap_err();
        assert!(
            matches!(err, LoadError::Truncated { .. } | LoadError::Invalid { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn wrong_shape_and_missing_tensor_are_named() {
        let mut f = ModelFile::parse(&sample(), Path::new("m")).unwrap();
        let err = f.f32("a", &[4]).unwrap_err();
        assert!(
            err.to_string().contains("tensor a has shape [2, 2]"),
            "{err}"
        );
        let err = f.f32("zzz", &[1]).unwrap_err();
        assert!(err.to_string().contains("tensor zzz is missing"), "{err}");
        let err = f.f32("b", &[3]).unwrap_err();
        assert!(err.to_string().contains("not f32"), "{err}");
    }
}
