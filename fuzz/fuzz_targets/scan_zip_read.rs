//! The tolerant zip reader on arbitrary bytes: listing and reading every member stays
//! within the limits and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::Limits;
use rampart_scan::zipread::ZipArchive;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_members: 1000,
        ..Limits::default()
    };
    let mut r = Cursor::new(data);
    let Ok(zip) = ZipArchive::open(&mut r, data.len() as u64, &limits) else {
        return;
    };
    assert!(zip.members().len() <= limits.max_members);
    for i in 0..zip.members().len() {
        let _ = zip.read_head(&mut r, i, 64);
        if let Ok(bytes) = zip.read(&mut r, i, &limits) {
            assert!(bytes.len() as u64 <= limits.max_member_bytes);
        }
    }
    let _ = zip.declared_bombs(&limits);
});
