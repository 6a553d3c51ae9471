//! Codes of the `K` family (see `codes/mod.rs`): KrakenD gateway configs.
//!
//! K001–K009 are KrakenD's own startup errors (the peer text is the message KrakenD prints);
//! K010 and later are findings KrakenD misses. K030–K032 say the config fails `krakend check
//! --lint`; K033 and later are the extra_config and flexible-configuration findings.

declare_codes! {
    /// The config's `version` is not 3. KrakenD refuses to start: `unsupported version: N
    /// (want: 3)` (lura `config/config.go`, UnsupportedVersionError). A missing version reads as
    /// 0; a string is converted first (`"2"` is 2). `version: 2` is a KrakenD 1.x config: its
    /// `github_com/devopsfaith/...` namespaces need the renames of KrakenD's "upgrading to v2"
    /// guide as well.
    K001 "unsupported-version";
    /// `listen_ip` is not an IP address; lura fails with `invalid ip address X`.
    K002 "invalid-listen-ip";
    /// A host is not `[http[s]://]name[:port][/]` and the backend does not set
    /// `disable_host_sanitize`; lura fails with `host X not valid: invalid host`.
    K003 "invalid-host";
    /// An endpoint path does not start with `/`, has a `*` that is not its last character, or
    /// uses a reserved prefix (`/__debug`, `/__echo`, `/__health`). lura fails with
    /// `ignoring the 'M /p' endpoint, since it is invalid!!!` (EndpointPathError).
    K004 "invalid-endpoint-path";
    /// An endpoint without backends. lura fails with `ignoring the 'M /p' endpoint, since it
    /// has 0 backends defined!` (NoBackendsError).
    K005 "no-backends";
    /// `output_encoding: no-op` passes the single backend's response through untouched, so it
    /// cannot merge several backends; lura fails (InvalidNoOpEncoding).
    K006 "no-op-with-many-backends";
    /// A backend's url_pattern uses more distinct params than its endpoint declares. lura
    /// reports `input and output params do not match` (WrongNumberOfParamsError), but its
    /// count misses one param; rehearse reports the real count.
    K007 "wrong-number-of-params";
    /// A url_pattern placeholder the endpoint (or the workflow) does not declare and that is not
    /// a `respN_` or `JWT.` variable. lura fails with `undefined output param 'x'!`
    /// (UndefinedOutputParamError).
    K008 "undefined-output-param";
    /// The file does not parse as a KrakenD config, or a value has a type KrakenD's decoder
    /// refuses (e.g. `endpoints` that is not a list, `concurrent_calls: "abc"`).
    ///
    /// KrakenD CE decodes its config with type conversion on: viper up to 2.11
    /// (`defaultDecoderConfig`) and krakend-koanf since 2.12 (`koanf.UnmarshalWithConf`) both
    /// run mapstructure with `WeaklyTypedInput: true` and the `StringToSliceHookFunc(",")` hook.
    /// So `"concurrent_calls": "1"`, `"concurrent_calls": true` (1), `"is_collection": "true"`,
    /// `"port": "8080"`, `"host": "http://a,http://b"` (split on commas) and
    /// `"input_query_strings": "page"` all run; rehearse reports them only as K032 (the schema
    /// lint fails). What mapstructure cannot convert (a list for an integer, `"abc"` for an
    /// integer, `"yes"` for a boolean: `strconv.ParseBool` takes 1 t T TRUE true True and their
    /// false forms) is this error, with mapstructure's message as the peer text.
    K009 "wrong-type";
    /// Two endpoints collide in KrakenD's router (gin): the same method and path twice, two
    /// different param names at the same position, or a catch-all beside other routes. `krakend
    /// check` passes; KrakenD panics at startup (`krakend check -t` shows it).
    K010 "route-conflict";
    /// A `{respN_x}` placeholder names a backend that is not earlier in the sequential chain (N
    /// is this backend or a later one). At runtime the value is never set and the literal
    /// `{{.RespN_x}}` is sent to the backend.
    K011 "sequential-reference-not-earlier";
    /// A `{respN_x}` placeholder in an endpoint (or workflow) without `proxy.sequential: true`:
    /// backends run in parallel, so no response is available and the placeholder is sent
    /// literally.
    K012 "sequential-reference-without-sequential";
    /// A CEL expression (`validation/cel`, `security/policies`) that does not parse. KrakenD
    /// only finds out when the endpoint is built or the first request arrives.
    K013 "invalid-expression";
    /// A workflow timeout that is not smaller than its parent's: the parent gives up first, so
    /// the workflow's own timeout never applies (the schema says "make sure that is smaller").
    K014 "workflow-timeout-not-smaller";
    /// `{JWT.claim}` in a url_pattern of an endpoint without `auth/validator`: no token is
    /// validated, so the claim is never set and the literal `{JWT.claim}` is sent.
    K015 "jwt-without-validator";
    /// A duration that Go cannot parse. KrakenD CE's config parser refuses it at startup; lura's
    /// own JSON parser silently replaces it with the default.
    K016 "invalid-duration";
    /// An endpoint method the router does not serve (anything but GET, POST, PUT, PATCH,
    /// DELETE): KrakenD logs `Unsupported method` and skips the endpoint.
    K017 "unsupported-method";
    /// A backend without `url_pattern` (a warning): lura's `CleanPath` turns the missing pattern
    /// into `/`, so KrakenD runs and calls the host root; only the schema requires the key. A
    /// pubsub or AMQP backend does not use it at all (KrakenD's pubsub docs), but `krakend check
    /// --lint` still fails.
    K018 "missing-url-pattern";
    /// An endpoint param not followed by `/` or the end of the path (e.g. `/{id}.json`): the
    /// router's param swallows the following text, so the value never reaches the backend
    /// (krakend-ce#771, #856).
    K019 "param-not-a-whole-segment";
    /// A feature only KrakenD Enterprise runs (`{input_headers.X}` / `{input_query_strings.X}`
    /// dynamic routing); KrakenD CE fails with `undefined output param`.
    K020 "enterprise-only";
    /// A workflow endpoint declares a param its parent does not provide: its value is never
    /// set and nested backends receive the literal placeholder.
    K021 "workflow-param-not-provided";
    /// An entry of `sequential_propagated_params` that is not `respN` or `respN_field` with N
    /// an earlier backend.
    K022 "invalid-propagated-param";
    /// The config fails `krakend check --lint`: a key the official schema does not know (only
    /// keys starting with `@ $ _ #` are free). KrakenD itself ignores it.
    K030 "schema-unknown-key";
    /// The config fails `krakend check --lint`: an `extra_config` namespace the schema does not
    /// know at this level, e.g. a legacy `github_com/devopsfaith/...` alias the runtime still
    /// maps. rehearse knows every namespace up to the newest schema it ships (v2.13, with
    /// `ai/mcp`); a namespace added later than the schema version the config's `$schema` pins
    /// is reported only then, naming that version.
    K031 "schema-unknown-namespace";
    /// The config fails `krakend check --lint`: a value the schema rejects although KrakenD runs
    /// it (lower-case methods, `/*` paths, durations like `1m30s` or numbers, out-of-range
    /// `concurrent_calls`, a missing required key).
    K032 "schema-invalid-value";
    /// A value inside an `extra_config` namespace (or a KrakenD Enterprise workflow) of a type the
    /// component does not read. lura keeps `extra_config` as raw data and each component reads
    /// its namespace with type assertions: `"sequential": "true"` is not `true` for lura's proxy
    /// (`proxy/merging.go` asserts a bool), so the endpoint is not sequential. KrakenD runs; the
    /// value is ignored.
    K033 "extra-config-value-ignored";
    /// A flexible-configuration template that KrakenD cannot render: a Go template syntax error,
    /// an undefined template or function, a settings file that is not JSON, or an error while
    /// executing (e.g. `index` out of range). krakend-flexibleconfig (`template.go`) logs the
    /// error and falls back to parsing the template itself as the config, which fails.
    K034 "template-error";
    /// A flexible-configuration template rehearse cannot render although KrakenD may: it uses a
    /// Sprig function rehearse does not implement, or one whose result changes on every run
    /// (`now`, `uuidv4`, `randAlphaNum`). The rendered config is not checked.
    ///
    /// A template that goes past one of rehearse's rendering limits is K035 too, pointing at
    /// the action where it stopped: 10 million steps (nodes run, functions called, range turns),
    /// 256 MiB of values made or copied (`until`, `repeat`, `indent` with a huge count are
    /// refused before allocating), 64 MiB of output, 100 nested template calls, 100 nested
    /// blocks or parentheses in a file and 200 across template calls. Go's text/template has no such limits: KrakenD would loop, recurse or
    /// allocate until it is stopped or runs out of memory.
    K035 "template-not-rendered";
}
