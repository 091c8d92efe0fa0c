#!/usr/bin/env python3
"""Generate data/pickle_names.toml: what pickle globals inside NumPy, SciPy sparse and
scikit-learn really are, read from the installed libraries.

The import policy (src/pickle/policy.rs) never trusts a package wholesale. It needs two
facts that only the real libraries know:

* `reexports`: a name spelled inside an allowed package that is really another module's
  callable (`sklearn.utils.fixes.check_output` *is* `subprocess.check_output`). The policy
  classifies the defining callable too, so a deny entry matches whatever spelling reaches it.
* `classes`, `ufuncs` and `functions`: the explicit list of what real model files import from these
  packages (every class the packages define outside test, I/O and build helpers, NumPy's
  ufuncs and its public functions except the I/O ones), replacing the `sklearn.*` / `numpy.*` / `scipy.sparse.*` globs.

Usage (nothing is unpickled; the libraries are only imported and inspected). One run per
supported set of versions, each merging the previous run's output (`--merge`), so the table
covers every version's module layout:
    python -m venv /tmp/old && /tmp/old/bin/pip install scikit-learn==1.3.2 numpy==1.26.4 \
        scipy==1.11.4 joblib==1.3.2
    python -m venv /tmp/v && /tmp/v/bin/pip install numpy scipy scikit-learn joblib
    /tmp/old/bin/python crates/rampart-scan/scripts/gen-pickle-names.py > /tmp/old.toml
    /tmp/v/bin/python crates/rampart-scan/scripts/gen-pickle-names.py --merge /tmp/old.toml \
        > crates/rampart-scan/data/pickle_names.toml
"""

import importlib
import inspect
import pkgutil
import sys
import warnings

warnings.simplefilter("ignore")

# Packages whose names may be allow-listed, and the subpackages scanned for them.
ROOTS = ["numpy", "scipy.sparse", "sklearn", "joblib"]
# Modules whose classes are never allow-listed: tests, build and I/O helpers, file access.
SKIP_PARTS = {
    "tests", "testing", "_testing", "conftest", "f2py", "distutils", "_distutils_hack",
    "ctypeslib", "_datasource", "_npyio_impl", "npyio", "format", "_format_impl",
    "datasets", "_pyinstaller", "externals", "_build_utils", "__config__", "_memmapping_reducer",
    "numpy_pickle_compat", "parallel", "pool", "executor", "_parallel_backends", "memory",
    "_store_backends", "disk", "logger", "compressor", "_cloudpickle_wrapper",
    "externals", "_multiprocessing_helpers", "backports", "func_inspect", "hashing",
    "_memmap", "memmap",
}
SKIP_CLASSES = {"memmap", "DataSource", "TempMemmap"}
# NumPy's public functions that read, write or reach files, or run code, never allowed.
NUMPY_SKIP_FUNCTIONS = {
    "load", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt",
    "fromfile", "fromregex", "memmap", "frompyfunc", "vectorize", "info", "source",
    "show_config", "show_runtime", "get_include", "lookfor", "recfromcsv", "recfromtxt",
    "tofile", "setbufsize", "seterrcall", "set_printoptions", "printoptions",
    "set_string_function", "deprecate", "safe_eval", "byte_bounds", "who", "test",
    # Higher-order or state-changing: they call or install a callable they are given.
    "apply_along_axis", "apply_over_axes", "piecewise", "fromfunction", "from_dlpack",
    "seterr", "geterrcall",
}


def modules(root):
    try:
        pkg = importlib.import_module(root)
    except Exception:
        return
    yield pkg
    # Every module, including test and I/O helpers: their re-exports are what an attacker
    # spells. The skip list applies to the allow-list only.
    for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), root + "."):
        if info.name.split(".")[-1] in ("conftest", "__main__", "setup"):
            continue
        try:
            yield importlib.import_module(info.name)
        except BaseException:
            continue


def defining_name(obj):
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(mod, str) or not isinstance(qual, str) or "<" in qual:
        return None
    return f"{mod}.{qual}"


def main():
    import contextlib
    import io

    import numpy as np

    with contextlib.redirect_stdout(io.StringIO()):
        reexports, classes, ufuncs, functions, versions = collect(np)
    versions = [", ".join(versions) + f" (Python {sys.version.split()[0]})"]
    args = sys.argv[1:]
    if args[:1] == ["--merge"] and len(args) == 2:
        import tomllib

        with open(args[1], "rb") as f:
            old = tomllib.load(f)
        # The newest layout wins where a spelled name changed its target.
        reexports = {**old["reexports"], **reexports}
        classes |= set(old["classes"])
        ufuncs |= set(old["ufuncs"])
        functions |= set(old["functions"])
        versions = old["versions"] + versions
    write(reexports, classes, ufuncs, functions, versions)


def collect(np):
    reexports, classes, ufuncs, functions = {}, set(), set(), set()
    versions = []
    for root in ROOTS:
        top = importlib.import_module(root.split(".")[0])
        versions.append(f"{top.__name__} {getattr(top, '__version__', '?')}")
        for mod in modules(root):
            for name, obj in list(vars(mod).items()):
                spelled = f"{mod.__name__}.{name}"
                if isinstance(obj, np.ufunc):
                    # Pure element-wise math wherever NumPy spells it: NumPy 2 pickles
                    # `numpy.log1p`, NumPy 1 `numpy.core._multiarray_umath.log1p`.
                    if mod.__name__.split(".")[0] == "numpy":
                        ufuncs.add(spelled)
                    continue
                if (
                    mod.__name__ == "numpy"
                    and inspect.isroutine(obj)
                    and not name.startswith("_")
                    and name not in NUMPY_SKIP_FUNCTIONS
                ):
                    # How pickle spells a public NumPy function (its __module__ is
                    # `numpy`), e.g. inside functools.partial in a FunctionTransformer.
                    functions.add(spelled)
                if not (inspect.isclass(obj) or inspect.isroutine(obj)):
                    continue
                target = defining_name(obj)
                if target is None:
                    continue
                if target != spelled:
                    reexports[spelled] = target
                if (
                    inspect.isclass(obj)
                    and target == spelled
                    and target.split(".")[0] == root.split(".")[0]
                    and not set(mod.__name__.split(".")) & SKIP_PARTS
                    and name not in SKIP_CLASSES
                    and not name.startswith("_")
                ):
                    classes.add(target)

    return reexports, classes, ufuncs, functions, versions


def write(reexports, classes, ufuncs, functions, versions):
    # Only re-exports that leave the package, or that land on an allowed class, matter to
    # the policy; in-package function aliases are classified under both spellings anyway.
    def relevant(spelled, target):
        if target.split(".")[0] != spelled.split(".")[0]:
            return True
        return target in classes

    out = sys.stdout
    out.write("# GENERATED by crates/rampart-scan/scripts/gen-pickle-names.py; do not edit.\n")
    out.write("# reexports: spelled name -> defining callable. classes/ufuncs/functions: the\n")
    out.write("# explicit allow-list for these packages (see src/pickle/policy.rs).\n\n")
    out.write("# The library versions this table was generated from.\nversions = [\n")
    for v in versions:
        out.write(f'  "{v}",\n')
    out.write("]\n\n")
    out.write("ufuncs = [\n")
    for u in sorted(ufuncs):
        out.write(f'  "{u}",\n')
    out.write("]\n\nfunctions = [\n")
    for u in sorted(functions):
        out.write(f'  "{u}",\n')
    out.write("]\n\nclasses = [\n")
    for c in sorted(classes):
        out.write(f'  "{c}",\n')
    out.write("]\n\n[reexports]\n")
    for s in sorted(reexports):
        t = reexports[s]
        if relevant(s, t):
            out.write(f'"{s}" = "{t}"\n')


if __name__ == "__main__":
    main()
