//! `file:PATH`: a secret in a file, as Kubernetes mounts them (re-read at every refresh,
//! so a rotated secret is picked up without a restart).

use std::io::Read;

/// The largest secret file read.
pub const MAX_FILE: u64 = 64 * 1024;

/// The file's text without one trailing line break.
pub fn read(path: &str) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {}", e.kind()))?;
    let mut text = String::new();
    file.take(MAX_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read as UTF-8 text: {}", e.kind()))?;
    if text.len() as u64 > MAX_FILE {
        return Err(format!("larger than {MAX_FILE} bytes"));
    }
    let value = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if value.is_empty() {
        return Err("the file is empty".to_owned());
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_line_break_is_dropped_and_an_empty_file_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        std::fs::write(&p, "sk-one\n").unwrap();
        assert_eq!(read(p.to_str().unwrap()).unwrap(), "sk-one");
        std::fs::write(&p, "").unwrap();
        assert!(read(p.to_str().unwrap()).is_err());
        assert!(read("/nonexistent/rampart").is_err());
    }
}
