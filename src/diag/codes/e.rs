//! `E` — emit: what a target runtime cannot express, or would refuse, in a checked project.
//! `rehearse emit` writes nothing while one of these is an error.

declare_codes! {
    /// The route asks for a load-balancing algorithm HAProxy does not have. HAProxy 2.6 knows
    /// `roundrobin`, `static-rr`, `leastconn`, `first`, `source`, `uri`, `url_param`,
    /// `hdr(<name>)`, `random`, `rdp-cookie` and `hash` (HAProxy configuration manual §4.2
    /// `balance`); `haproxy -c` refuses any other word. Vamp passes a route's `balance` to
    /// HAProxy unchanged (vamp 0.9.2 `HaProxyGatewayMarshaller.scala`, `route.balance`).
    E001 "haproxy-unknown-balance";
    /// A port the HAProxy configuration would bind or connect to is outside 1..=65535, or a
    /// generated server address ran out of ports.
    E002 "haproxy-port-out-of-range";
    /// A value that lands in the HAProxy configuration holds characters its parser reads as
    /// syntax: whitespace inside a word, `#` (starts a comment), quotes, a backslash, or a
    /// control character. Vamp writes such values unchanged and HAProxy then misreads or
    /// refuses the file; rehearse refuses to emit it.
    E003 "haproxy-unsafe-text";
    /// A raw ACL (`< ... >` in a Vamp condition) or a rewrite condition uses a fetch method or
    /// a named ACL HAProxy 2.6 does not know. Vamp copies raw ACLs verbatim; HAProxy rejects
    /// the whole file ("unknown fetch method"). Name a sample fetch such as `path_beg`,
    /// `hdr_sub(host)` or `url_beg`, or one of HAProxy's predefined ACLs (`HTTP`, `TRUE`, ...).
    /// A rewrite condition that names an ACL (Vamp's own test uses `p_ext_jpg`) must define it
    /// inline, in braces: `{ path_end -i .jpg }`.
    E004 "haproxy-unknown-fetch";
    /// Two gateways bind the same port. HAProxy accepts the file (and on Linux binds both with
    /// SO_REUSEPORT), but each connection then reaches one of the two gateways at random.
    E005 "haproxy-port-shared";
    /// The condition has more distinct tests than rehearse can normalise into the disjunctive
    /// normal form HAProxy's `use_backend ... if` needs.
    E006 "condition-too-complex";
    /// The project holds nothing this target emits (no Vamp gateway for `haproxy`, no KrakenD
    /// configuration for `krakend`, ...). Nothing is written.
    E007 "nothing-to-emit";
    /// A gateway option that only applies to HTTP (a condition on request headers, a path
    /// rewrite, virtual hosts, instance cookies) is set on a TCP gateway. HAProxy ignores or
    /// refuses HTTP rules in a TCP proxy, so the route would never behave as written.
    E008 "http-feature-on-tcp-gateway";
    /// Two HAProxy objects would get the same name: two gateways with the same name (a
    /// `kind: gateway` artifact and a deployment's gateway, for instance). HAProxy refuses
    /// duplicate proxy names.
    E009 "haproxy-duplicate-name";
    /// `--at` asks for a time past the end of the scenario's rehearsal.
    E010 "bad-emit-time";
    /// The KrakenD config listens on a port outside 1..=65535 (lura turns 0 into 8080).
    /// KrakenD cannot bind it and the schema (`krakend check --lint`) refuses it, so the
    /// `krakend` target writes nothing.
    E030 "krakend-port-out-of-range";
    /// Two KrakenD configs would be written to the same `<source stem>.json` (two
    /// `krakend.json` in different folders, `a.json` beside `a.yaml`, or several documents in
    /// one YAML file). Emit them separately, into different folders.
    E031 "krakend-output-name-clash";
    /// A value in a YAML KrakenD config that JSON cannot hold: `.nan`, `.inf`, or a sequence or
    /// mapping used as a key. KrakenD reads the emitted config as JSON.
    E032 "krakend-value-not-json";
    /// A Vamp canary workflow that `--target argo` or `--target flagger` cannot migrate: its
    /// routes lead to another gateway instead of two versions of one service, the versions are
    /// in different clusters or listen on different ports, a breed deploys something other
    /// than a container image or gives its port no number, its PERIOD is 0, or two workflows
    /// ramp the same workload. A Rollout or a Canary updates one workload's pod template.
    E020 "canary-not-migratable";
    /// A Vamp name leaves nothing usable in a Kubernetes object name (RFC 1035 label:
    /// lowercase letters, digits and `-`, starting with a letter, at most 63 characters).
    /// Other characters become `-` and long names are cut; a name with no letter or digit,
    /// or starting with a digit, is refused.
    E021 "no-kubernetes-name";
    /// Flagger's analysis tick is at least 10 s (`GetAnalysisInterval` in
    /// pkg/apis/flagger/v1beta1/canary.go clamps shorter intervals): the migrated canary moves
    /// at most once every 10 s, slower than the Vamp workflow's PERIOD.
    E022 "flagger-tick-clamped";
    /// Two Vamp source files have the same stem: `--target vamp` writes each file's artifacts
    /// to `<source stem>.yml`, so the second would overwrite the first. Nothing is written.
    E040 "vamp-output-name-clash";
    /// A value of a Vamp artifact that the normalized form cannot state so that it reads back
    /// the same: a cpu with no exact number of cores, a memory with no exact number of
    /// megabytes (Vamp's units: cpu is a number of cores, memory `<n>MB`; see Vamp's
    /// `ScaleReader`), or a mapping that would need one key twice (flattened metadata such as
    /// `a: {b: 1}` beside `a.b: 2`). Nothing is written.
    E041 "vamp-value-not-expressible";
}
