#!/usr/bin/env python3
"""Writes src/dialect/krakend/schema_bundles/v2.7.json and v2.13.json: the official KrakenD
schema bundles that `krakend check --lint` validates against (krakend-schema commit 07e481d, as
copied in ../shared/reference/krakend/schema/<version>/krakend.json), minus the annotations a
validator never reads (description, title, examples, default, ...). Validation keywords are
kept exactly. Run from the repository root:

    python3 tools/krakend_schema_bundles.py ../shared/reference/krakend/schema
"""
import json
import os
import sys

ANNOTATIONS = {"description", "title", "examples", "example", "default", "$comment",
               "deprecated", "$id", "$schema"}
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
SCHEMA_LISTS = {"oneOf", "anyOf", "allOf"}
SCHEMA_ONE = {"not", "additionalProperties", "contains", "propertyNames", "if", "then", "else",
              "additionalItems", "unevaluatedProperties", "unevaluatedItems"}


def strip(schema):
    if not isinstance(schema, dict):
        return schema  # true / false
    out = {}
    for key, value in schema.items():
        if key in ANNOTATIONS:
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strip(s) for name, s in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [strip(s) for s in value]
        elif key == "items":
            out[key] = [strip(s) for s in value] if isinstance(value, list) else strip(value)
        elif key in SCHEMA_ONE:
            out[key] = strip(value)
        else:
            out[key] = value
    return out


def main():
    source = sys.argv[1]
    here = os.path.join("src", "dialect", "krakend", "schema_bundles")
    for version in ("v2.7", "v2.13"):
        with open(os.path.join(source, version, "krakend.json"), encoding="utf-8") as f:
            bundle = json.load(f)
        with open(os.path.join(here, f"{version}.json"), "w", encoding="utf-8") as f:
            json.dump(strip(bundle), f, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
