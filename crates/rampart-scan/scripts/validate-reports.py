#!/usr/bin/env python3
"""Validate rampart's CycloneDX output against the official CycloneDX 1.6 JSON schema
(bundled in `cyclonedx-python-lib[json-validation]`).

    python scripts/validate-reports.py bom.json
"""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

errors = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(f.read())
    print(f"{path}: {'INVALID: ' + str(err) if err else 'valid CycloneDX 1.6'}")
    errors += bool(err)
sys.exit(1 if errors else 0)
