#!/usr/bin/env python3
"""Writes schema-1.8.0.json: the OCSF 1.8.0 classes Rampart emits, resolved.

No package on PyPI or npm ships the OCSF 1.8 schema (ocsf-emitter carries 1.5.0, the
others generate or compile it), so the field lists come from the published schema
itself, the ocsf/ocsf-schema repository at its v1.8.0 commit:

    git clone https://github.com/ocsf/ocsf-schema
    python3 extract_schema.py ocsf-schema/.git 3dcb905d26523ce4d5d0ba3c28c8507e2c859407 > schema-1.8.0.json

For each class: its uid (category uid * 1000 + class uid), its attributes after the
`extends` chain (base_event, then the category class, then the class) and the `$include`d
profiles (each attribute of a profile names it), each attribute's requirement, type and
enum values and the class's constraints (`at_least_one`, `just_one`). For each object the classes reach: its attributes the same way. The Rust test
`tests/ocsf.rs` checks every OCSF event against this file.
"""
import json
import subprocess
import sys

GIT, COMMIT = sys.argv[1], sys.argv[2]
CLASSES = {
    "api_activity": "events/application/api_activity.json",
    "detection_finding": "events/findings/detection_finding.json",
    "authentication": "events/iam/authentication.json",
    "entity_management": "events/iam/entity_management.json",
    "account_change": "events/iam/account_change.json",
}


def show(path):
    out = subprocess.run(["git", "--git-dir", GIT, "show", f"{COMMIT}:{path}"],
                         check=True, capture_output=True)
    return json.loads(out.stdout)


def exists(path):
    r = subprocess.run(["git", "--git-dir", GIT, "cat-file", "-e", f"{COMMIT}:{path}"],
                       capture_output=True)
    return r.returncode == 0


DICT = show("dictionary.json")["attributes"]
CATEGORIES = show("categories.json")["attributes"]
EVENT_FILES = {}
for line in subprocess.run(["git", "--git-dir", GIT, "ls-tree", "-r", "--name-only", COMMIT, "events"],
                           check=True, capture_output=True, text=True).stdout.split():
    if line.endswith(".json"):
        EVENT_FILES[json.loads(json.dumps(show(line)))["name"]] = line


def merge(into, attrs, profile=None):
    for name, spec in attrs.items():
        if name == "$include":
            for inc in spec:
                inc_doc = show(inc)
                merge(into, inc_doc.get("attributes", {}),
                      inc_doc["name"] if inc_doc.get("meta") == "profile" else profile)
            continue
        cur = dict(into.get(name, {}))
        for k, v in spec.items():
            if k == "enum" and isinstance(cur.get("enum"), dict):
                cur["enum"] = {**cur["enum"], **v}
            else:
                cur[k] = v
        if profile is not None and "profile" not in spec:
            cur.setdefault("profile", profile)
        into[name] = cur


def resolve_event(name):
    doc = show(EVENT_FILES[name])
    attrs = {}
    if "extends" in doc:
        attrs, _ = resolve_event(doc["extends"])
        attrs = {k: dict(v) for k, v in attrs.items()}
    merge(attrs, doc.get("attributes", {}))
    return attrs, doc


def object_path(name):
    return f"objects/{name}.json"


def resolve_object(name):
    doc = show(object_path(name))
    attrs, constraints = {}, {}
    if doc.get("extends") and doc["extends"] != "object":
        parent, constraints = resolve_object(doc["extends"])
        attrs = {k: dict(v) for k, v in parent.items()}
    merge(attrs, doc.get("attributes", {}))
    return attrs, {**constraints, **doc.get("constraints", {})}


def describe(attrs):
    out = {}
    for name, spec in sorted(attrs.items()):
        d = DICT.get(name, {})
        typ = spec.get("type", d.get("type"))
        entry = {"requirement": spec.get("requirement", d.get("requirement", "optional")) or "optional",
                 "type": typ, "is_array": bool(spec.get("is_array", d.get("is_array", False)))}
        if typ and not typ.endswith("_t") and typ != "object":
            entry["object_type"] = typ
        enum = spec.get("enum", d.get("enum"))
        # The uids are computed by the schema server from the class and category, not
        # listed; their placeholder enum (0) is not a constraint.
        if enum and name not in ("class_uid", "category_uid", "type_uid"):
            entry["enum"] = sorted(enum, key=lambda k: (not k.lstrip("-").isdigit(), int(k) if k.lstrip("-").isdigit() else 0, k))
        if spec.get("profile"):
            entry["profile"] = spec["profile"]
        out[name] = entry
    return out


schema = {"version": show("version.json")["version"], "commit": COMMIT, "classes": {}, "objects": {}}
pending = []
for name in CLASSES:
    attrs, doc = resolve_event(name)
    category = None
    d = doc
    while "category" not in d:
        d = show(EVENT_FILES[d["extends"]])
    category = CATEGORIES[d["category"]]["uid"]
    described = describe(attrs)
    schema["classes"][name] = {"class_uid": category * 1000 + doc["uid"], "category_uid": category,
                               "attributes": described, "constraints": doc.get("constraints", {})}
    pending += [a["object_type"] for a in described.values() if "object_type" in a]
seen = set()
while pending:
    obj = pending.pop()
    if obj in seen or not exists(object_path(obj)):
        continue
    seen.add(obj)
    attrs, constraints = resolve_object(obj)
    described = describe(attrs)
    schema["objects"][obj] = {"attributes": described, "constraints": constraints}
    pending += [a["object_type"] for a in described.values() if "object_type" in a]
json.dump(schema, sys.stdout, indent=1, sort_keys=True)
print()
