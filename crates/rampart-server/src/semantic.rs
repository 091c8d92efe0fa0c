//! The semantic tier behind the gateway's [`SemanticLoader`] seam: `rampart-semantic`'s
//! encoder (read from the installed model file) with the shipped head, as `rampart serve`
//! runs it for `[guard.semantic]`.
//!
//! The model file is about 80 MB and takes a noticeable moment to read and verify, so the
//! loader keeps the last encoder it read and hands it out again while the file is the
//! same (same path, length and modification time): a config reload that does not touch
//! the model costs nothing, one that replaces the file reads the new one.
//!
//! Outcomes, as the gateway's seam defines them: `auto` with no file at the path is one
//! warning line naming the install command and no tier; any other failure (a truncated,
//! corrupt or foreign file, an unreadable one, `on` with no file) is an error the gateway
//! reports with the key and its line. Never a silent fallback.

use rampart_gateway::semantic::{SemanticCascade, SemanticLoader, SemanticMode, SemanticSettings};
use rampart_guard::SemanticInjectionScorer;
use rampart_semantic::{Cascade, Encoder, Head, LoadError, SemanticTier, TierSettings};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Which file an encoder was read from, as far as it can be told without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileId {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileId {
            path: path.to_owned(),
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// Loads `rampart-semantic` tiers, keeping the last encoder read.
#[derive(Debug, Default)]
pub struct SemanticModelLoader {
    last: Mutex<Option<(FileId, Arc<Encoder>)>>,
}

impl SemanticModelLoader {
    pub fn new() -> Self {
        Self::default()
    }

    /// The encoder in `path`, read again only when the file changed.
    fn encoder(&self, path: &Path) -> Result<Arc<Encoder>, LoadError> {
        let id = FileId::of(path);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(id), Some((seen, encoder))) = (&id, last.as_ref())
            && id == seen
        {
            return Ok(encoder.clone());
        }
        let encoder = Arc::new(Encoder::load(path)?);
        *last = id.map(|id| (id, encoder.clone()));
        Ok(encoder)
    }
}

impl SemanticLoader for SemanticModelLoader {
    fn load(
        &self,
        settings: &SemanticSettings,
    ) -> Result<Option<Arc<dyn SemanticInjectionScorer>>, String> {
        let auto = settings.mode == SemanticMode::Auto;
        let Some(path) = settings
            .model
            .clone()
            .or_else(rampart_semantic::default_model_path)
        else {
            if auto {
                tracing::warn!(
                    "semantic tier off: no HOME or RAMPART_MODEL_DIR to find its model in \
                     (set [guard.semantic] model, or install it with {})",
                    rampart_semantic::INSTALL_COMMAND
                );
                return Ok(None);
            }
            return Err(
                "no model path: set it, or RAMPART_MODEL_DIR (no home directory to look in)"
                    .to_owned(),
            );
        };
        let encoder = match self.encoder(&path) {
            Ok(encoder) => encoder,
            Err(LoadError::NotInstalled { .. }) if auto => {
                tracing::warn!(
                    "semantic tier off: no model at {} (install it with {})",
                    path.display(),
                    rampart_semantic::INSTALL_COMMAND
                );
                return Ok(None);
            }
            Err(e) => return Err(e.to_string()),
        };
        let head = Head::shipped().map_err(|e| e.to_string())?;
        let tier = TierSettings {
            roles: settings.roles.clone(),
            max_chars: settings.max_chars,
            window_chars: settings.window_chars,
            stride_chars: settings.stride_chars,
            cascade: match settings.cascade {
                SemanticCascade::All => Cascade::All,
                SemanticCascade::Uncertain { low, high } => Cascade::Uncertain { low, high },
            },
        };
        tier.validate()?;
        tracing::info!(model = %path.display(), "semantic tier on");
        Ok(Some(Arc::new(SemanticTier::new(encoder, head, tier))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(mode: SemanticMode, model: PathBuf) -> SemanticSettings {
        SemanticSettings {
            mode,
            model: Some(model),
            roles: vec![rampart_guard::Role::User],
            max_chars: 4_000,
            window_chars: 1_500,
            stride_chars: 1_000,
            cascade: SemanticCascade::All,
        }
    }

    #[test]
    fn a_missing_model_is_a_notice_in_auto_and_an_error_when_required() {
        let dir = std::env::temp_dir().join(format!("rampart-sem-{}", std::process::id()));
        let path = dir.join("absent.rsem");
        let loader = SemanticModelLoader::new();
        assert!(matches!(
            loader.load(&settings(SemanticMode::Auto, path.clone())),
            Ok(None)
        ));
        let err = loader
            .load(&settings(SemanticMode::On, path.clone()))
            .unwrap_err();
        assert!(
            err.contains("absent.rsem") && err.contains("install"),
            "{err}"
        );
    }

    #[test]
    fn a_foreign_file_is_an_error_even_in_auto() {
        let path =
            std::env::temp_dir().join(format!("rampart-foreign-{}.rsem", std::process::id()));
        std::fs::write(&path, b"PK\x03\x04 not a model").unwrap();
        let loader = SemanticModelLoader::new();
        for mode in [SemanticMode::Auto, SemanticMode::On] {
            let err = loader.load(&settings(mode, path.clone())).unwrap_err();
            assert!(err.contains("not a Rampart semantic model"), "{err}");
        }
        let _ = std::fs::remove_file(&path);
    }
}
