//! The import policy for pickles: allow-list, deny-list and Python 2 aliases, from
//! `data/pickle_imports.toml`, plus what names inside NumPy, SciPy sparse and scikit-learn
//! really are, from the GENERATED `data/pickle_names.toml` (`scripts/gen-pickle-names.py`).
//! Both are embedded at compile time; the order of evaluation is documented at the top of
//! `pickle_imports.toml`. Deny comes before any allow, and by identity: a re-export is
//! classified as its defining callable too.

use rampart_core::Severity;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const POLICY_TOML: &str = include_str!("../../data/pickle_imports.toml");
const NAMES_TOML: &str = include_str!("../../data/pickle_names.toml");

/// The generated facts about real libraries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamesFile {
    /// The library versions the table was generated from (read by tests).
    #[cfg_attr(not(test), allow(dead_code))]
    versions: Vec<String>,
    /// NumPy ufuncs as the pickler spells them (`numpy.log1p`).
    ufuncs: Vec<String>,
    /// NumPy's public functions, except those that reach files or run code.
    functions: Vec<String>,
    /// Classes defined in NumPy, SciPy sparse, scikit-learn and joblib outside their test,
    /// I/O and build modules, under their defining name.
    classes: Vec<String>,
    /// Spelled name -> defining callable.
    reexports: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    aliases: Aliases,
    allow: Vec<Entry>,
    deny: Vec<DenyEntry>,
    deny_names: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Aliases {
    modules: HashMap<String, String>,
    names: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    why: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DenyEntry {
    name: String,
    severity: Severity,
    why: String,
}

/// What the policy says about one global.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportVerdict {
    Allowed,
    Denied {
        severity: Severity,
        /// The deny entry that matched, e.g. `os` or `builtins.eval`.
        matched: String,
        why: String,
    },
    Unknown,
}

impl ImportVerdict {
    fn rank(&self) -> u8 {
        match self {
            ImportVerdict::Allowed => 0,
            ImportVerdict::Unknown => 1,
            ImportVerdict::Denied { severity, .. } => 2 + *severity as u8,
        }
    }
}

/// The compiled policy.
#[derive(Debug)]
pub struct ImportPolicy {
    module_aliases: HashMap<String, String>,
    name_aliases: HashMap<String, String>,
    /// Exact allow entries; `true` for hand-written ones, which may carve an exception out
    /// of a shorter deny entry (`copyreg._reconstructor`); generated ones never override.
    allow_exact: HashMap<String, bool>,
    reexports: HashMap<String, String>,
    /// `pkg` for an entry `pkg.*`.
    allow_globs: Vec<String>,
    deny: Vec<(Vec<String>, Severity, String)>,
    deny_names: HashMap<String, String>,
}

impl ImportPolicy {
    /// The embedded policy (parsed once).
    pub fn embedded() -> &'static ImportPolicy {
        static POLICY: OnceLock<ImportPolicy> = OnceLock::new();
        POLICY.get_or_init(|| {
            // The file is part of the build and covered by tests; a parse failure is a bug
            // in this crate, never caused by input.
            #[allow(clippy::expect_used)]
            let file: PolicyFile =
                toml::from_str(POLICY_TOML).expect("data/pickle_imports.toml is valid");
            #[allow(clippy::expect_used)]
            let names: NamesFile =
                toml::from_str(NAMES_TOML).expect("data/pickle_names.toml is valid");
            ImportPolicy::from_file(file, names)
        })
    }

    fn from_file(f: PolicyFile, names: NamesFile) -> ImportPolicy {
        let mut allow_exact: HashMap<String, bool> = names
            .ufuncs
            .into_iter()
            .chain(names.functions)
            .chain(names.classes)
            .map(|n| (n, false))
            .collect();
        let mut allow_globs = Vec::new();
        for e in f.allow {
            match e.name.strip_suffix(".*") {
                Some(prefix) => allow_globs.push(prefix.to_owned()),
                None => {
                    allow_exact.insert(e.name, true);
                }
            }
        }
        ImportPolicy {
            module_aliases: f.aliases.modules,
            name_aliases: f.aliases.names,
            allow_exact,
            allow_globs,
            reexports: names.reexports,
            deny: f
                .deny
                .into_iter()
                .map(|d| {
                    (
                        d.name.split('.').map(str::to_owned).collect(),
                        d.severity,
                        d.why,
                    )
                })
                .collect(),
            deny_names: f.deny_names.into_iter().map(|e| (e.name, e.why)).collect(),
        }
    }

    /// The name `find_class` would import for a Python 2 name, if it maps it.
    pub fn alias(&self, module: &str, name: &str) -> Option<(String, String)> {
        if let Some(full) = self.name_aliases.get(&format!("{module}.{name}")) {
            let (m, n) = full.rsplit_once('.').unwrap_or((full.as_str(), ""));
            return Some((m.to_owned(), n.to_owned()));
        }
        self.module_aliases
            .get(module)
            .map(|m| (m.clone(), name.to_owned()))
    }

    /// Classify a global. Both the name as written and its Python 2 alias are checked;
    /// the worse verdict wins, except that an alias to an allowed name is allowed (that is
    /// what a Python 2 era pickle of an allowed class looks like). Each is also resolved
    /// to its defining callable when it is a known re-export.
    pub fn classify(&self, module: &str, name: &str) -> ImportVerdict {
        match self.alias(module, name) {
            Some((m, n)) => {
                let mapped = self.classify_resolved(&m, &n);
                let raw = self.classify_resolved(module, name);
                match raw {
                    ImportVerdict::Denied { .. } if raw.rank() > mapped.rank() => raw,
                    _ => mapped,
                }
            }
            None => self.classify_resolved(module, name),
        }
    }

    /// The name `module.name` really is, when the generated table knows it as a re-export.
    pub fn defining_name(&self, module: &str, name: &str) -> Option<&str> {
        self.reexports
            .get(&format!("{module}.{name}"))
            .map(String::as_str)
    }

    /// Classify the name as spelled and as what it is: any deny wins (the worst), then an
    /// allow of either (an allowed class re-exported by its package's `__init__`).
    fn classify_resolved(&self, module: &str, name: &str) -> ImportVerdict {
        let spelled = self.classify_one(module, name);
        let Some(target) = self.defining_name(module, name) else {
            return spelled;
        };
        let (tm, tn) = target.rsplit_once('.').unwrap_or((target, ""));
        let resolved = match self.classify_one(tm, tn) {
            ImportVerdict::Denied {
                severity,
                matched,
                why,
            } => ImportVerdict::Denied {
                severity,
                matched: if matched == target {
                    matched
                } else {
                    format!("{target}` via `{matched}")
                },
                why,
            },
            v => v,
        };
        let denied = |v: &ImportVerdict| matches!(v, ImportVerdict::Denied { .. });
        if denied(&spelled) || denied(&resolved) {
            return if resolved.rank() > spelled.rank() {
                resolved
            } else {
                spelled
            };
        }
        if spelled == ImportVerdict::Allowed || resolved == ImportVerdict::Allowed {
            ImportVerdict::Allowed
        } else {
            ImportVerdict::Unknown
        }
    }

    fn classify_one(&self, module: &str, name: &str) -> ImportVerdict {
        let full = if name.is_empty() {
            module.to_owned()
        } else {
            format!("{module}.{name}")
        };
        let exact = self.allow_exact.get(&full).copied();
        let name_segments: Vec<&str> = if name.is_empty() {
            Vec::new()
        } else {
            name.split('.').collect()
        };
        if let Some(d) = name_segments
            .iter()
            .find(|s| s.len() > 4 && s.starts_with("__") && s.ends_with("__"))
            && exact != Some(true)
        {
            return ImportVerdict::Denied {
                severity: Severity::High,
                matched: full.clone(),
                why: format!(
                    "reaches the special attribute `{d}`, a way out of any allow-list (e.g. `__builtins__`, `__globals__`)"
                ),
            };
        }
        let segments: Vec<&str> = full.split('.').collect();
        let module_len = module.split('.').count();
        let mut worst: Option<ImportVerdict> = None;
        for start in 0..segments.len() {
            let suffix = &segments[start..];
            for (entry, severity, why) in &self.deny {
                let matches =
                    suffix.len() >= entry.len() && entry.iter().zip(suffix).all(|(a, b)| a == b);
                if !matches {
                    continue;
                }
                // Inside the module path, a submodule that happens to share a short name
                // with a denied module (`scipy.signal`) is not that module; only specific
                // callables and critical modules are matched there. Inside the name, any
                // match is attribute traversal to the denied object.
                let in_module_path = start > 0 && start < module_len;
                if in_module_path && entry.len() < 2 && *severity < Severity::Critical {
                    continue;
                }
                let verdict = ImportVerdict::Denied {
                    severity: *severity,
                    matched: entry.join("."),
                    why: why.clone(),
                };
                // A hand-written exact allow entry more specific than this deny entry is a
                // reviewed exception inside a denied module.
                if exact == Some(true) && entry.len() < segments.len() {
                    continue;
                }
                if worst.as_ref().is_none_or(|w| verdict.rank() > w.rank()) {
                    worst = Some(verdict);
                }
            }
        }
        if let Some(w) = worst {
            return w;
        }
        if exact.is_some() {
            return ImportVerdict::Allowed;
        }
        if let Some(last) = segments.last()
            && let Some(why) = self.deny_names.get(*last)
        {
            return ImportVerdict::Denied {
                severity: Severity::High,
                matched: (*last).to_owned(),
                why: format!("`{last}` {why}"),
            };
        }
        if name_segments.len() == 1
            && self.allow_globs.iter().any(|g| {
                module == g
                    || module
                        .strip_prefix(g.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            })
        {
            return ImportVerdict::Allowed;
        }
        ImportVerdict::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(m: &str, n: &str) -> Option<Severity> {
        match ImportPolicy::embedded().classify(m, n) {
            ImportVerdict::Denied { severity, .. } => Some(severity),
            ImportVerdict::Unknown => Some(Severity::Medium),
            ImportVerdict::Allowed => None,
        }
    }

    #[test]
    fn every_policy_entry_says_why() {
        let f: PolicyFile = toml::from_str(POLICY_TOML).unwrap();
        let short = |why: &str| why.trim().len() < 8;
        assert!(!f.allow.iter().any(|e| short(&e.why)));
        assert!(!f.deny.iter().any(|e| short(&e.why)));
        assert!(!f.deny_names.iter().any(|e| short(&e.why)));
        // An allow entry that a deny entry also names would be dead or dangerous.
        for a in &f.allow {
            assert!(
                !f.deny.iter().any(|d| d.name == a.name),
                "{} in both lists",
                a.name
            );
        }
    }

    #[test]
    fn benign_globals_of_real_files_are_allowed() {
        for (m, n) in [
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch", "FloatStorage"),
            ("collections", "OrderedDict"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy", "dtype"),
            ("numpy", "ndarray"),
            ("sklearn.linear_model._logistic", "LogisticRegression"),
            ("sklearn.tree._tree", "Tree"),
            ("joblib.numpy_pickle", "NumpyArrayWrapper"),
            ("copy_reg", "_reconstructor"),
            ("__builtin__", "set"),
            ("numpy.random._pickle", "__randomstate_ctor"),
            ("torch.nn.modules.linear", "Linear"),
            ("__torch__.torch.nn.modules.linear", "Linear"),
        ] {
            assert_eq!(sev(m, n), None, "{m}.{n}");
        }
    }

    #[test]
    fn dangerous_globals_are_denied() {
        for (m, n, s) in [
            ("os", "system", Severity::Critical),
            ("posix", "system", Severity::Critical),
            ("nt", "system", Severity::Critical),
            ("subprocess", "Popen", Severity::Critical),
            ("builtins", "eval", Severity::Critical),
            ("__builtin__", "eval", Severity::Critical),
            ("builtins", "getattr", Severity::High),
            ("commands", "getoutput", Severity::Critical),
            ("cPickle", "loads", Severity::Critical),
            ("os.path", "join", Severity::Critical),
            ("torch.hub", "load", Severity::Critical),
            ("torch", "load", Severity::Critical),
            ("operator", "attrgetter", Severity::High),
            ("_operator", "methodcaller", Severity::High),
            ("functools", "partial", Severity::High),
            ("pkgutil", "resolve_name", Severity::Critical),
            ("numpy", "load", Severity::Critical),
            ("joblib", "load", Severity::Critical),
            ("runpy", "_run_code", Severity::Critical),
            ("urllib", "urlopen", Severity::High),
        ] {
            assert_eq!(sev(m, n), Some(s), "{m}.{n}");
        }
    }

    #[test]
    fn dotted_names_and_reexports_reach_the_denied_object() {
        // protocol 4 find_class walks dotted names: pathlib + "os.system".
        assert_eq!(sev("pathlib", "os.system"), Some(Severity::Critical));
        assert_eq!(sev("numpy", "__builtins__"), Some(Severity::High));
        assert_eq!(sev("numpy", "prod.__globals__"), Some(Severity::High));
        // A submodule re-exporting a denied callable.
        assert_eq!(
            sev("sklearn.externals.joblib", "load"),
            Some(Severity::Critical)
        );
        // Unknown module, dangerous final name.
        assert_eq!(sev("somepkg.utils", "system"), Some(Severity::High));
        // A submodule sharing a short name with a high-severity module is not that module.
        assert_eq!(
            sev("scipy.signal._filter", "Filter"),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn unknown_is_medium_and_sklearn_glob_does_not_cover_dotted_names() {
        assert_eq!(sev("mypkg", "Model"), Some(Severity::Medium));
        assert_eq!(sev("sklearn", "base.Unknown"), Some(Severity::Medium));
        assert_eq!(sev("sklearn", "base.os"), Some(Severity::Critical));
        assert_eq!(sev("sklearn.utils", "os.system"), Some(Severity::Critical));
    }

    /// Issue 18: an allowed package is not trusted wholesale. These names are real
    /// re-exports and definitions (data/pickle_names.toml, generated from scikit-learn and
    /// NumPy), each reaching a dangerous callable.
    #[test]
    fn allowed_packages_are_not_trusted_wholesale() {
        for (m, n, s) in [
            ("sklearn.utils._testing", "check_output", Severity::Critical),
            ("sklearn.datasets._base", "urlretrieve", Severity::High),
            ("sklearn.datasets._lfw", "remove", Severity::Critical),
            ("numpy.lib._npyio_impl", "load", Severity::Critical),
            ("numpy.lib._npyio_impl", "savetxt", Severity::Critical),
            ("numpy._core.memmap", "memmap", Severity::High),
            ("numpy", "memmap", Severity::High),
            (
                "sklearn.externals.array_api_compat.numpy",
                "memmap",
                Severity::High,
            ),
            ("joblib._memmapping_reducer", "loads", Severity::Critical),
            ("scipy.sparse", "load_npz", Severity::Critical),
        ] {
            assert_eq!(sev(m, n), Some(s), "{m}.{n}");
        }
        // Functions of an allowed package are not allowed just for living there.
        assert_eq!(
            sev("sklearn.utils.validation", "check_array"),
            Some(Severity::Medium)
        );
        assert_eq!(sev("numpy", "frompyfunc"), Some(Severity::Medium));
    }

    #[test]
    fn the_reexport_table_resolves_to_the_defining_callable() {
        let p = ImportPolicy::embedded();
        assert_eq!(
            p.defining_name("sklearn.utils._testing", "check_output"),
            Some("subprocess.check_output")
        );
        assert_eq!(
            p.defining_name("sklearn.datasets._base", "urlretrieve"),
            Some("urllib.request.urlretrieve")
        );
        // An allowed class re-exported by its package stays allowed under either spelling.
        assert_eq!(sev("sklearn.linear_model", "LogisticRegression"), None);
        assert_eq!(sev("uuid", "UUID"), None);
        assert_eq!(sev("numpy", "log1p"), None);
        assert_eq!(sev("numpy.random._mt19937", "MT19937"), None);
        assert_eq!(sev("scipy.sparse._csr", "csr_matrix"), None);
    }

    /// The table covers the module layouts of every generated version: a gradient-boosting
    /// pickle from scikit-learn 1.3 names loss classes that 1.9 no longer has.
    #[test]
    fn the_table_covers_older_library_layouts() {
        let names: NamesFile = toml::from_str(NAMES_TOML).unwrap();
        assert!(names.versions.len() >= 2, "{:?}", names.versions);
        assert!(names.versions.iter().any(|v| v.contains("sklearn 1.3.2")));
        assert_eq!(sev("sklearn.ensemble._gb_losses", "BinomialDeviance"), None);
        assert_eq!(
            sev("sklearn.linear_model._logistic", "LogisticRegression"),
            None
        );
    }

    #[test]
    fn file_writing_and_socket_callables_are_denied() {
        for (m, n) in [
            ("logging", "FileHandler"),
            ("logging.handlers", "RotatingFileHandler"),
            ("logging.handlers", "SocketHandler"),
            ("shutil", "rmtree"),
            ("tempfile", "mkstemp"),
            ("tarfile", "TarFile.extractall"),
            ("gzip", "open"),
            ("codecs", "open"),
            ("socket", "create_connection"),
            ("somepkg.io", "write_text"),
            // Reviewed against the picklescan, modelscan, fickling and ModelAudit lists.
            ("uuid", "_get_command_stdout"),
            ("uuid", "getnode"),
            ("_osx_support", "_read_output"),
            ("pexpect", "spawn"),
            ("faulthandler", "_sigsegv"),
            ("torch.utils._config_module", "ConfigModule.load_config"),
            (
                "torch.fx.experimental.symbolic_shapes",
                "ShapeEnv.evaluate_guards_expression",
            ),
            ("test.support.script_helper", "run_python_until_end"),
        ] {
            assert!(
                sev(m, n).is_some_and(|s| s >= Severity::High),
                "{m}.{n}: {:?}",
                sev(m, n)
            );
        }
    }
}
