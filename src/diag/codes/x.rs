//! `X` — project-wide: document kinds and references across documents and files.

declare_codes! {
    /// rehearse could not tell which kind of spec a document is. Add `kind:` (Vamp kinds:
    /// breed, blueprint, gateway, workflow, scale, sla, condition, escalation, deployment;
    /// or scenario), `tosca_definitions_version` (Cloudify), or pass `--kind`.
    X001 "unknown-kind";
    /// A reference names an artifact that no file of the project defines. `check` warns: the
    /// peer's readers accept it and resolve it at deploy time, and pre-commit may see only part
    /// of a project. `run` needs every artifact it deploys, so there it is an error.
    X002 "unresolved-reference";
    /// Two documents define the same artifact (same kind and name). Which one a peer would use
    /// depends on the order it received them; rename or remove one.
    X003 "duplicate-definition";
    /// A document's `kind:` is not one rehearse knows.
    X004 "unsupported-kind";
}
