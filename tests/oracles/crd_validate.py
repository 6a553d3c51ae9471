"""Validates Kubernetes objects against the Argo Rollouts and Flagger CRD schemas.

usage: crd_validate.py CRD_DIR FILE...

Each document of each FILE whose kind a CRD in CRD_DIR defines is validated against that
CRD's openAPIV3Schema (python-jsonschema, Draft 4, the dialect OpenAPI v3 schemas are written
in; `x-kubernetes-*` keywords are not JSON Schema and are ignored). Prints one line per
document (`ok KIND NAME`, `invalid KIND NAME: ...` or `skipped KIND NAME`: no CRD); exits 1
when any document is invalid, 2 on a usage error.
"""

import pathlib
import sys

import jsonschema
import yaml


def schemas(crd_dir):
    found = {}
    for path in sorted(pathlib.Path(crd_dir).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group = doc["spec"]["group"]
            kind = doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                api_version = f"{group}/{version['name']}"
                found[(api_version, kind)] = version["schema"]["openAPIV3Schema"]
    return found


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    known = schemas(argv[1])
    if not known:
        print(f"no CRD in {argv[1]}", file=sys.stderr)
        return 2
    invalid = 0
    for file in argv[2:]:
        for doc in yaml.safe_load_all(pathlib.Path(file).read_text()):
            if not doc:
                continue
            key = (doc.get("apiVersion"), doc.get("kind"))
            name = (doc.get("metadata") or {}).get("name")
            schema = known.get(key)
            if schema is None:
                print(f"skipped {key[1]} {name}")
                continue
            errors = sorted(
                jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path)
            )
            if errors:
                invalid += 1
                details = "; ".join(
                    f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors
                )
                print(f"invalid {key[1]} {name}: {details}")
            else:
                print(f"ok {key[1]} {name}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
