//! Where the installer puts the model, so every caller looks in the same place.
//!
//! `$RAMPART_MODEL_DIR`, else `$XDG_DATA_HOME/rampart/models`, else
//! `~/.local/share/rampart/models` (the same order as `scripts/install-semantic-model`).

use std::path::PathBuf;

/// File name of the converted encoder inside the model directory.
pub const MODEL_FILE: &str = "use-m3.rsem";
/// The command that installs it, for messages.
pub const INSTALL_COMMAND: &str = "scripts/install-semantic-model";

/// The model directory, or `None` when no environment variable says where home is.
pub fn default_model_dir() -> Option<PathBuf> {
    dir_from(|k| std::env::var_os(k))
}

/// The default model file path (`default_model_dir()/use-m3.rsem`).
pub fn default_model_path() -> Option<PathBuf> {
    default_model_dir().map(|d| d.join(MODEL_FILE))
}

fn dir_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let set = |k: &str| var(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("RAMPART_MODEL_DIR") {
        return Some(dir);
    }
    if let Some(data) = set("XDG_DATA_HOME") {
        return Some(data.join("rampart").join("models"));
    }
    set("HOME").map(|h| {
        h.join(".local")
            .join("share")
            .join("rampart")
            .join("models")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn explicit_dir_then_xdg_then_home() {
        let all = [
            ("RAMPART_MODEL_DIR", "/m"),
            ("XDG_DATA_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(dir_from(env(&all)), Some(PathBuf::from("/m")));
        assert_eq!(
            dir_from(env(&all[1..])),
            Some(PathBuf::from("/x/rampart/models"))
        );
        assert_eq!(
            dir_from(env(&all[2..])),
            Some(PathBuf::from("/h/.local/share/rampart/models"))
        );
        assert_eq!(dir_from(env(&[("RAMPART_MODEL_DIR", "")])), None);
    }
}
