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
    /// A document names a file (a Cloudify import, an include) that resolves outside the
    /// project after `..` and symlinks are resolved. rehearse runs on pull requests from
    /// strangers and its diagnostics are published (SARIF, GitHub annotations), so it reads only
    /// files inside the project root (the folder holding `rehearse.toml`, else the checked
    /// path's folder) or a folder given with `--allow-read DIR`. The file is not opened, and no
    /// byte of it appears in any report.
    X010 "read-outside-project";
    /// A document names a file that is not a regular file: a directory, a device, a socket, a
    /// FIFO, or a kernel file under /proc, /sys or /dev. These are never read, whatever
    /// `--allow-read` says: reading them can block, never end, or reveal the machine's state.
    X011 "read-not-a-file";
}
