//! The Keras analysers on arbitrary bytes: as an `.h5` file (HDF5 magic, then the bytes,
//! searched for `model_config` JSON) and as a `.keras` zip's `config.json` (the walker of
//! function references, Lambdas and modules at any depth).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::zipread::build::{Entry, zip};
use rampart_scan::{ScanOptions, Scanner};

fuzz_target!(|data: &[u8]| {
    let scanner = Scanner::new(ScanOptions::default());
    let mut h5 = b"\x89HDF\r\n\x1a\nmodel_config\0".to_vec();
    h5.extend(data);
    let _ = scanner.scan_bytes("fuzz.h5", &h5);
    let keras = zip(
        &[
            Entry::new("metadata.json", br#"{"keras_version": "3.15.1"}"#),
            Entry::new("config.json", data),
        ],
        true,
    );
    let _ = scanner.scan_bytes("fuzz.keras", &keras);
});
