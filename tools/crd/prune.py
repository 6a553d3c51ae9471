#!/usr/bin/env python3
"""Prunes the Argo Rollouts and Flagger CRD schemas to what rehearse's checks use.

Reads the CRDs in reference/rollouts/crds (../shared) and writes
src/dialect/rollout/crds.json and src/dialect/flagger/crds.json: per kind, the OpenAPI v3
schema without descriptions, with the embedded Kubernetes pod and job specs and every `status`
replaced by an open object (those are validated by Kubernetes itself, not by these CRDs' rules).

Usage: tools/crd/prune.py [SHARED_DIR]
"""
import json
import sys
import yaml

KEEP = {"type", "properties", "required", "items", "enum", "additionalProperties",
        "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "oneOf",
        "anyOf", "not", "pattern", "format", "minimum", "maximum", "nullable"}
OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def prune(node, path):
    if not isinstance(node, dict):
        return node
    # Pod templates (rollout spec.template.spec, experiment templates) and job specs.
    if path[-2:] in (["template", "spec"], ["job", "spec"]) or path[-1:] == ["status"]:
        return dict(OPEN)
    out = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {k: prune(v, path + [k]) for k, v in value.items()}
        elif key == "items":
            out[key] = prune(value, path)
        elif key in ("oneOf", "anyOf"):
            out[key] = [prune(v, path) for v in value]
        elif key == "not":
            out[key] = prune(value, path)
        elif key == "additionalProperties" and isinstance(value, dict):
            out[key] = prune(value, path + ["*"])
        else:
            out[key] = value
    return out


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
    crds = shared + "/reference/rollouts/crds/"
    files = {
        "src/dialect/rollout/crds.json": [
            "argo-rollouts__rollout-crd.yaml",
            "argo-rollouts__analysis-template-crd.yaml",
            "argo-rollouts__cluster-analysis-template-crd.yaml",
            "argo-rollouts__analysis-run-crd.yaml",
        ],
        "src/dialect/flagger/crds.json": ["flagger__kustomize-base-flagger-crd.yaml"],
    }
    for target, names in files.items():
        kinds = {}
        for name in names:
            for doc in yaml.safe_load_all(open(crds + name)):
                if not doc:
                    continue
                kind = doc["spec"]["names"]["kind"]
                for version in doc["spec"]["versions"]:
                    schema = version["schema"]["openAPIV3Schema"]
                    kinds[kind] = {"version": version["name"], "schema": prune(schema, [])}
        with open(target, "w") as f:
            json.dump(kinds, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print(target, sum(len(json.dumps(k)) for k in kinds.values()))


main()
