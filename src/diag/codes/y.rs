//! `Y` — syntax: the file is not well-formed YAML or JSON, or is hostile.

declare_codes! {
    /// The file is not valid YAML. The span points where the YAML scanner stopped; the message
    /// is the scanner's own. Peer: Vamp reports this as `YamlParsingError`.
    Y001 "yaml-syntax";
    /// A mapping has the same key twice. YAML requires keys to be unique, but most loaders
    /// silently keep the last value, so a duplicated route or property is lost without a word
    /// (Vamp issue 648: two 50% routes under one key became one route, total weight 50%).
    /// rehearse reads each document as its runtime does and says which value that is:
    /// - Cloudify (PyYAML): the last value wins, at the first key's place — `SafeConstructor.
    ///   construct_mapping` assigns each entry into a Python dict (PyYAML constructor.py). A
    ///   warning.
    /// - Vamp (SnakeYAML 1.x): the last value wins — `BaseConstructor.constructMapping2ndStep`
    ///   puts each entry into a `LinkedHashMap`, duplicates allowed by default
    ///   (`LoaderOptions.allowDuplicateKeys`). A warning.
    /// - KrakenD JSON (Go `encoding/json`): the last value wins — `json.Unmarshal` stores each
    ///   member into the map in order. A warning.
    /// - KrakenD YAML (koanf → `gopkg.in/yaml.v3`): refused — `decoder.mapping` fails with
    ///   "mapping key \"x\" already defined at line N" (yaml.v3 decode.go). An error.
    /// - Scenario documents (rehearse's own, strict YAML 1.2): an error.
    ///
    /// A warning becomes an error under `--deny warnings`.
    Y002 "duplicate-key";
    /// Expanding YAML aliases would create more nodes than the budget allows. A small file can
    /// expand exponentially through nested aliases ("billion laughs"); rehearse counts the
    /// nodes an expansion would create before making any of them and stops at the budget.
    Y003 "alias-budget-exceeded";
    /// The document nests deeper than the limit. Real specs nest a few dozen levels; very deep
    /// nesting is either a generated mistake or an attack on recursive readers.
    Y004 "nesting-too-deep";
    /// The file is not valid UTF-8. YAML and JSON specs must be UTF-8 text; the span points at
    /// the first invalid byte.
    Y005 "invalid-utf8";
    /// The file looks binary (it contains a NUL byte), so it is not read as a spec.
    Y006 "binary-file";
    /// The file holds no document: it is empty or only comments. Nothing in it is checked. An
    /// empty YAML file is valid YAML, so this is a warning; an empty JSON file is not valid JSON
    /// (lura: "unexpected end of JSON input"), so there it is an error.
    Y007 "empty-file";
    /// The file is not valid JSON. JSON specs are read strictly: no comments, no trailing
    /// commas, no single quotes, no unquoted keys. Peer: lura reports this as `ParseError`.
    Y008 "json-syntax";
    /// A merge key (`<<`) must hold a mapping or a list of mappings (usually aliases). Other
    /// values cannot be merged.
    Y009 "bad-merge-key";
    /// A YAML tag that rehearse does not know. Only the core schema tags (`!!str`, `!!int`,
    /// `!!float`, `!!bool`, `!!null`, `!!seq`, `!!map`) change how a value is read. Any other
    /// tag is an error, as it is for the peers' loaders: SnakeYAML (Vamp) and PyYAML (Cloudify)
    /// refuse a document with a tag they cannot construct (`name: !ios` fails to load).
    Y010 "unknown-tag";
    /// The file is larger than the size limit, so it is not read. Specs are small; a huge file
    /// is a mistake or an attack on the checker's memory.
    Y011 "file-too-large";
    /// A mapping key that is itself a list or mapping. Dialects read keys as text, so such a
    /// key cannot name anything; quote it if it is meant as text.
    Y012 "complex-key";
    /// A core-schema tag whose value does not fit it (`!!int abc`, `!!bool maybe`, a list
    /// tagged `!!map`). The tag is ignored and the value is read as if it had none.
    Y013 "tag-mismatch";
    /// A line inside a multi-line flow collection (`[...]`, `{...}`) or quoted scalar is not indented past the
    /// block line that opened it, typically a closing `]` in the key's column. YAML 1.2 forbids
    /// it; YAML 1.1 loaders (SnakeYAML, PyYAML) accept it, so rehearse reads the file as if the
    /// line were indented and warns.
    Y014 "flow-indentation";
    /// Inside a flow mapping, a `:` comes straight before `[` or `{`, as in
    /// `{concat:[a, b]}`. YAML 1.2 needs a space there, and YAML 1.2 parsers (and Go's
    /// yaml.v3, which KrakenD's YAML reader uses) refuse it. PyYAML (Cloudify) and SnakeYAML
    /// (Vamp) read it as `{concat: [a, b]}`: their scanner ends a plain scalar at a `:`
    /// followed by a flow indicator, and in flow context any `:` is a value indicator (PyYAML
    /// scanner.py `scan_plain` and `check_value`; SnakeYAML `ScannerImpl`). For Cloudify and
    /// Vamp documents rehearse reads it the same way and warns; for KrakenD YAML and scenario
    /// documents it is an error.
    Y015 "adjacent-flow-value";
}
