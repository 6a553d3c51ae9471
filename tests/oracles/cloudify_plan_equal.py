#!/usr/bin/env python3
"""Compares the plans Cloudify's parser (cloudify-common 7.0.5) builds from blueprints and from
what `rehearse emit --target cloudify` wrote for them, in one Python process.

usage: python cloudify_plan_equal.py ORACLES_DIR [--plugins DIR] SOURCE EMITTED [SOURCE EMITTED ...]
(EMITTED `-`: rehearse emitted nothing for SOURCE; only its verdict is printed)

ORACLES_DIR holds cloudify_parse_offline.py (../shared/oracles), whose offline resolver (types.yaml
URLs, plugin cache) and parse call are used for both files. Prints one JSON object a line:
{"source", "source_verdict", "emitted_verdict", "differs": [plan sections that differ]}.
A source the parser rejects is reported with its verdict and not compared.
"""
import json
import os
import sys
import tempfile

# The sections issue #11 names, then the rest of the plan the emitted file also keeps.
SECTIONS = ["nodes", "relationships", "groups", "policies", "workflows", "inputs", "outputs",
            "policy_types", "policy_triggers", "scaling_groups", "capabilities",
            "deployment_plugins_to_install", "workflow_plugins_to_install", "description",
            "metadata", "labels", "blueprint_labels", "resource_tags"]


def parse(offline, path, plugins):
    text = open(path, encoding="utf-8", errors="replace").read()
    m = offline.DSL_VERSION.search(text)
    try:
        plan = offline.parser.parse_from_path(
            path,
            resources_base_path=os.path.join(offline.MANAGER, "resources"),
            resolver=offline.OfflineResolver(plugins, m.group(1) if m else None))
        return "valid", plan
    except Exception as e:  # every exception the parser raises is a verdict
        code = getattr(e, "err_code", None)
        return "error:%s" % (code if code is not None else type(e).__name__), None


def canonical(value):
    """The plan as JSON text: dict key order is not part of a plan."""
    return json.dumps(value, sort_keys=True, default=repr)


def main():
    oracles, args = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, oracles)
    import cloudify_parse_offline as offline
    plugins = None
    if args[:1] == ["--plugins"]:
        plugins, args = os.path.abspath(args[1]), args[2:]
    pairs = [(os.path.abspath(s), e if e == "-" else os.path.abspath(e), s)
             for s, e in zip(args[::2], args[1::2])]
    with tempfile.TemporaryDirectory() as empty:
        os.chdir(empty)  # the parser looks imports up relative to the working directory first
        for source, emitted, shown in pairs:
            source_verdict, source_plan = parse(offline, source, plugins)
            result = {"source": shown, "source_verdict": source_verdict}
            if source_plan is not None and emitted != "-":
                emitted_verdict, emitted_plan = parse(offline, emitted, plugins)
                result["emitted_verdict"] = emitted_verdict
                if emitted_plan is not None:
                    result["differs"] = [
                        s for s in SECTIONS
                        if canonical(source_plan.get(s)) != canonical(emitted_plan.get(s))]
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
