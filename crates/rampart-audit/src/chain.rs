//! The hash chain that makes the audit log tamper-evident.
//!
//! Record `n` stores `hash_n = SHA-256("rampart-audit-v1\n" ‖ hash_{n-1} ‖ json_n)`, where
//! `json_n` is its canonical JSON and `hash_0` is 32 zero bytes. Changing, inserting,
//! reordering or deleting any record changes every later hash, so [`Verifier`] finds the
//! first record where the stored chain and the recomputed one part. Removing records at the
//! *end* leaves a shorter valid chain; catching that needs the head hash kept elsewhere
//! (printed by `rampart audit verify`; signed checkpoints are the next step).

use sha2::{Digest, Sha256};

/// Domain separation: these hashes cannot be confused with a hash of anything else.
const DOMAIN: &[u8] = b"rampart-audit-v1\n";

/// The `prev_hash` of the first record.
pub const GENESIS: [u8; 32] = [0; 32];

/// The link hash of a record given the previous hash and its canonical JSON.
pub fn link(prev: &[u8; 32], canonical_json: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    hasher.update(prev);
    hasher.update(canonical_json);
    hasher.finalize().into()
}

pub fn to_hex(hash: &[u8; 32]) -> String {
    to_hex_bytes(hash)
}

/// Lowercase hex of any bytes.
pub fn to_hex_bytes(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Why a record breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

/// The outcome of walking the whole log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records checked (up to and including a break).
    pub records: u64,
    /// The hash of the last record, hex; anchor it elsewhere to detect truncation.
    pub head: Option<String>,
    /// The first record that does not verify, if any.
    pub broken: Option<Break>,
    /// The Merkle tree root (see [`crate::merkle`]) over the records checked, hex, when
    /// the chain is intact.
    pub root: Option<String>,
    /// The root over the first `n` records, for the `n` given to [`Verifier::root_at`]
    /// (a checkpoint's size), if the log reached it intact.
    pub root_at: Option<(u64, [u8; 32])>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Walks stored records in order and checks each link.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    prev: [u8; 32],
    records: u64,
    broken: Option<Break>,
    tree: crate::merkle::Frontier,
    want_root_at: Option<u64>,
    root_at: Option<(u64, [u8; 32])>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            expected_seq: 1,
            prev: GENESIS,
            records: 0,
            broken: None,
            tree: crate::merkle::Frontier::default(),
            want_root_at: None,
            root_at: None,
        }
    }
}

impl Verifier {
    /// Also computes the tree root over the first `size` records (a checkpoint's).
    pub fn root_at(mut self, size: u64) -> Self {
        self.want_root_at = Some(size);
        if size == 0 {
            self.root_at = Some((0, crate::merkle::empty_root()));
        }
        self
    }

    /// Feeds the next stored record. Returns `false` once the chain is broken (further
    /// records need not be fed).
    pub fn push(&mut self, seq: i64, prev_hash: &str, hash: &str, canonical_json: &[u8]) -> bool {
        if self.broken.is_some() {
            return false;
        }
        self.records += 1;
        let fail = |reason: String| Some(Break { seq, reason });
        self.broken = if seq != self.expected_seq {
            fail(format!(
                "expected record {} here: records missing or reordered",
                self.expected_seq
            ))
        } else if from_hex(prev_hash) != Some(self.prev) {
            fail("prev_hash does not match the hash of the record before it".to_owned())
        } else {
            let computed = link(&self.prev, canonical_json);
            if from_hex(hash) == Some(computed) {
                self.prev = computed;
                self.expected_seq += 1;
                self.tree
                    .push(crate::merkle::leaf_hash(&computed), |_, _| {});
                if self.want_root_at == Some(self.tree.size()) {
                    self.root_at = Some((self.tree.size(), self.tree.root()));
                }
                None
            } else {
                fail("hash does not match the record's content".to_owned())
            }
        };
        self.broken.is_none()
    }

    /// Records a problem found outside the hash itself (e.g. an index column that
    /// disagrees with the record).
    pub fn fail(&mut self, seq: i64, reason: impl Into<String>) {
        if self.broken.is_none() {
            self.broken = Some(Break {
                seq,
                reason: reason.into(),
            });
        }
    }

    pub fn finish(self) -> VerifyReport {
        VerifyReport {
            records: self.records,
            head: (self.records > 0 && self.broken.is_none()).then(|| to_hex(&self.prev)),
            root: self.broken.is_none().then(|| to_hex(&self.tree.root())),
            root_at: self.root_at,
            broken: self.broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(records: &[&str]) -> Vec<(i64, String, String, Vec<u8>)> {
        let mut prev = GENESIS;
        records
            .iter()
            .enumerate()
            .map(|(i, json)| {
                let hash = link(&prev, json.as_bytes());
                let row = (
                    i as i64 + 1,
                    to_hex(&prev),
                    to_hex(&hash),
                    json.as_bytes().to_vec(),
                );
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[(i64, String, String, Vec<u8>)]) -> VerifyReport {
        let mut v = Verifier::default();
        for (seq, prev, hash, json) in rows {
            v.push(*seq, prev, hash, json);
        }
        v.finish()
    }

    #[test]
    fn intact_chain_verifies_and_reports_its_head() {
        let rows = chain(&["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"]);
        let report = verify(&rows);
        assert!(report.is_intact());
        assert_eq!(report.records, 3);
        assert_eq!(report.head.as_deref(), Some(rows[2].2.as_str()));
        assert_eq!(verify(&[]).head, None);
    }

    #[test]
    fn every_kind_of_tampering_is_found_at_the_right_record() {
        let rows = chain(&["{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}"]);

        let mut edited = rows.clone();
        edited[1].3 = b"{\"a\":9}".to_vec();
        assert_eq!(verify(&edited).broken.unwrap().seq, 2);

        let mut deleted = rows.clone();
        deleted.remove(2);
        assert_eq!(verify(&deleted).broken.unwrap().seq, 4);

        // Deleting and renumbering: the prev_hash link gives it away.
        let mut renumbered = rows.clone();
        renumbered.remove(1);
        for (i, row) in renumbered.iter_mut().enumerate() {
            row.0 = i as i64 + 1;
        }
        assert_eq!(verify(&renumbered).broken.unwrap().seq, 2);

        // Editing a record and recomputing its own hash: the next link breaks.
        let mut rehashed = rows.clone();
        rehashed[1].3 = b"{\"a\":9}".to_vec();
        rehashed[1].2 = to_hex(&link(&from_hex(&rehashed[1].1).unwrap(), &rehashed[1].3));
        assert_eq!(verify(&rehashed).broken.unwrap().seq, 3);

        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        assert!(verify(&swapped).broken.is_some());

        let mut garbage = rows;
        garbage[0].2 = "not hex".into();
        assert_eq!(verify(&garbage).broken.unwrap().seq, 1);
    }

    #[test]
    fn hex_round_trips_and_rejects_bad_input() {
        let h = link(&GENESIS, b"x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex(&"A".repeat(64)), None);
        assert_eq!(from_hex("00"), None);
    }
}
