//! `X` — project-wide: document kinds and references across documents and files.

declare_codes! {
    /// rehearse could not tell which kind of spec a document is. Add `kind:` (Vamp kinds:
    /// breed, blueprint, gateway, workflow, scale, sla, condition, escalation, deployment;
    /// or scenario), `tosca_definitions_version` (Cloudify), or pass `--kind`.
    X001 "unknown-kind";
    /// A reference names an artifact that no file of the project defines. `check` warns: Vamp's
    /// readers accept it and resolve it at deploy time (from the artifacts already stored), and
    /// pre-commit may see only part of a project. A file checked alone finds its references in
    /// the project's other YAML files, then in its JSON files for names still missing. `run` needs every artifact it deploys, so there it is an error.
    X002 "unresolved-reference";
    /// Two documents define the same artifact (same kind and name). Which one Vamp keeps depends
    /// on the order it received them; rename or remove one.
    X003 "duplicate-definition";
    /// A document's `kind:` is not one rehearse knows. Kubernetes-style objects
    /// (`apiVersion` + `kind`) of kinds no dialect reads are skipped as other tools' files;
    /// they are reported only when the file must be a spec (`--kind`, `--strict-kinds`, or
    /// `[check] specs` in rehearse.toml).
    X004 "unsupported-kind";
    /// The project's `rehearse.toml` is not valid TOML, has a value of the wrong type (an
    /// error: its settings are not used), or has keys rehearse does not know (a warning: they
    /// are ignored, which is usually a typo).
    X005 "bad-project-settings";
    /// A file could not be read (permissions, an I/O error, a dangling symlink). The file is
    /// not checked; the rest of the project still is.
    X006 "unreadable-file";
    /// A directory could not be listed (permissions, an I/O error). Nothing below it is
    /// checked; the rest of the project still is.
    X007 "unreadable-directory";
    /// A path that is not a regular file (a FIFO, socket or device) is never read: reading it
    /// could block forever or consume without end.
    X008 "not-a-regular-file";
    /// A document recognisably belongs to another tool (a GitHub Actions workflow, a compose
    /// file, an OpenAPI document, ...) but the file was said to be a spec (`--strict-kinds`,
    /// or `[check] specs` in rehearse.toml). Without that, such files are skipped silently.
    X009 "foreign-document";
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
