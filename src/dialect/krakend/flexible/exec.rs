//! Executes parsed templates as Go's `text/template` does with KrakenD's function map
//! (krakend-flexibleconfig `template.go`: `sprig.GenericFuncMap()` plus `marshal` and
//! `include`), writing the output with a segment per piece of text so every output byte can be
//! traced back to the file it came from.

use super::parse::{Arg, Body, Node, Pipe};
use super::{Fail, Output, Segment};
use crate::dialect::krakend::weak::go_float;
use std::collections::BTreeMap;
use std::ops::Range;

/// A template value: what `encoding/json` decodes settings into, plus Go's "no value".
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A missing map key: prints `<no value>`.
    Missing,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
}

impl Val {
    /// Go's truth: false, 0, nil, and empty strings, lists and maps are false.
    fn truthy(&self) -> bool {
        match self {
            Val::Missing | Val::Nil => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Map(m) => !m.is_empty(),
        }
    }

    /// `fmt.Sprint`.
    pub fn print(&self) -> String {
        match self {
            Val::Missing => "<no value>".to_string(),
            Val::Nil => "<nil>".to_string(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => go_float(*f),
            Val::Str(s) => s.clone(),
            Val::List(items) => {
                let parts: Vec<String> = items.iter().map(Val::print).collect();
                format!("[{}]", parts.join(" "))
            }
            Val::Map(map) => {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", v.print()))
                    .collect();
                format!("map[{}]", parts.join(" "))
            }
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Val::Missing | Val::Nil => "<nil>",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(_) => "map[string]interface {}",
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Sprig's `toInt64` (via `cast.ToInt64E`): numbers, numeric strings, bools; else 0.
    fn to_int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            Val::Float(f) => *f as i64,
            Val::Bool(b) => i64::from(*b),
            Val::Str(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| s.trim().parse::<f64>().ok().map(|f| f as i64))
                .unwrap_or(0),
            _ => 0,
        }
    }

    fn to_float(&self) -> f64 {
        match self {
            Val::Int(i) => *i as f64,
            Val::Float(f) => *f,
            Val::Bool(b) => f64::from(u8::from(*b)),
            Val::Str(s) => s.trim().parse().unwrap_or(0.0),
            _ => 0.0,
        }
    }
}

/// `encoding/json.Marshal` of a value: sorted keys, `<`, `>`, `&` escaped, Go's float format.
pub fn marshal(value: &Val, out: &mut String) {
    match value {
        Val::Missing | Val::Nil => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Float(f) => out.push_str(&json_float(*f)),
        Val::Str(s) => json_string(s, out),
        Val::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                marshal(item, out);
            }
            out.push(']');
        }
        Val::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                marshal(v, out);
            }
            out.push('}');
        }
    }
}

/// encoding/json's float format: `%f`-like unless tiny or huge (then `1e-07`, `1e+21`).
fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    format!("{f}")
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Reads a JSON settings value (serde_json keeps key order; Go maps sort when printed).
pub fn from_json(value: &serde_json::Value) -> Val {
    match value {
        serde_json::Value::Null => Val::Nil,
        serde_json::Value::Bool(b) => Val::Bool(*b),
        // json.Unmarshal into interface{}: every number is a float64.
        serde_json::Value::Number(n) => Val::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Val::Str(s.clone()),
        serde_json::Value::Array(items) => Val::List(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Val::Map(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// What a template body can be: a file's own body or a `define`, and which file it is in.
pub struct Template<'a> {
    pub body: &'a Body,
    pub file: usize,
}

/// The environment of one execution.
pub struct Exec<'a> {
    pub templates: &'a BTreeMap<String, Template<'a>>,
    /// Partial files by name (`include`), with their index for the segment map.
    pub partials: &'a dyn Fn(&str) -> Option<(usize, String)>,
    pub env: &'a dyn Fn(&str) -> String,
    pub out: Output,
    depth: usize,
    /// Nodes run, functions called and range turns so far (bounded by [`MAX_STEPS`]).
    steps: u64,
    /// Bytes of values made or copied so far (bounded by [`MAX_VALUE_BYTES`]).
    value_bytes: u64,
    /// Bodies and parenthesized pipelines being run, across template calls (bounded by
    /// [`MAX_NESTING`]): the renderer recurses once per level.
    nesting: usize,
}

/// Deepest nesting of blocks and parentheses a render runs, counted across `template` calls
/// (the parser bounds each file's nesting; templates calling templates add theirs up).
const MAX_NESTING: usize = 200;

/// Template calls a render nests (`template` inside `template`).
const MAX_CALL_DEPTH: usize = 100;

/// Steps a render may take: real configs take thousands; a template looping without end (or
/// ranging over ranges) stops here instead of hanging.
const MAX_STEPS: u64 = 10_000_000;
/// Bytes of values a render may make or copy in all: a value that doubles every turn, or a
/// `repeat`/`until` with a huge count, stops here before the allocation is attempted.
const MAX_VALUE_BYTES: u64 = 1 << 28;

/// The bytes one value takes in a list.
const SLOT: usize = std::mem::size_of::<Val>();

/// Where a node starts, for a limit stopping there.
fn node_at(node: &Node) -> usize {
    match node {
        Node::Text { at, .. }
        | Node::Action { at, .. }
        | Node::If { at, .. }
        | Node::Range { at, .. }
        | Node::With { at, .. }
        | Node::Template { at, .. } => at.start,
        Node::Break | Node::Continue => 0,
    }
}

/// Why a render stopped at one of rehearse's limits: KrakenD would hang or run out of memory
/// on it, or render what rehearse will not try (K035).
fn over_limit(what: &str, file: usize, at: usize) -> Fail {
    Fail {
        message: format!("the template goes past rehearse's rendering limit of {what}"),
        file,
        at,
        unsupported: true,
    }
}

/// The bytes a value holds, counting up to `cap` (so measuring a huge value costs no more
/// than the budget left).
fn value_size(value: &Val, cap: u64) -> u64 {
    let mut total = SLOT as u64;
    match value {
        Val::Str(s) => total += s.len() as u64,
        Val::List(items) => {
            for item in items {
                total += value_size(item, cap.saturating_sub(total));
                if total > cap {
                    break;
                }
            }
        }
        Val::Map(map) => {
            for (key, item) in map {
                total += key.len() as u64 + value_size(item, cap.saturating_sub(total));
                if total > cap {
                    break;
                }
            }
        }
        _ => {}
    }
    total
}

/// Control flow out of a body.
enum Flow {
    Normal,
    Break,
    Continue,
}

/// Names of Sprig's generic functions KrakenD enables (`sprig.GenericFuncMap()`), for telling
/// "not implemented here" from "not defined" (Go's parse error).
pub const SPRIG_FUNCTIONS: &[&str] = &[
    "abbrev",
    "abbrevboth",
    "add",
    "add1",
    "add1f",
    "addf",
    "adler32sum",
    "ago",
    "all",
    "any",
    "append",
    "atoi",
    "b32dec",
    "b32enc",
    "b64dec",
    "b64enc",
    "base",
    "bcrypt",
    "biggest",
    "buildCustomCert",
    "camelcase",
    "cat",
    "ceil",
    "chunk",
    "clean",
    "coalesce",
    "compact",
    "concat",
    "contains",
    "date",
    "dateInZone",
    "dateModify",
    "date_in_zone",
    "date_modify",
    "decryptAES",
    "deepCopy",
    "deepEqual",
    "default",
    "derivePassword",
    "dict",
    "dig",
    "dir",
    "div",
    "divf",
    "duration",
    "durationRound",
    "empty",
    "encryptAES",
    "env",
    "expandenv",
    "ext",
    "fail",
    "first",
    "float64",
    "floor",
    "fromJson",
    "genCA",
    "genCAWithKey",
    "genPrivateKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "get",
    "getHostByName",
    "has",
    "hasKey",
    "hasPrefix",
    "hasSuffix",
    "hello",
    "htmlDate",
    "htmlDateInZone",
    "htpasswd",
    "indent",
    "initial",
    "initials",
    "int",
    "int64",
    "isAbs",
    "join",
    "kebabcase",
    "keys",
    "kindIs",
    "kindOf",
    "last",
    "list",
    "lower",
    "max",
    "maxf",
    "merge",
    "mergeOverwrite",
    "min",
    "minf",
    "mod",
    "mul",
    "mulf",
    "mustAppend",
    "mustChunk",
    "mustCompact",
    "mustDateModify",
    "mustDeepCopy",
    "mustFirst",
    "mustFromJson",
    "mustHas",
    "mustInitial",
    "mustLast",
    "mustMerge",
    "mustMergeOverwrite",
    "mustPrepend",
    "mustPush",
    "mustRegexFind",
    "mustRegexFindAll",
    "mustRegexMatch",
    "mustRegexReplaceAll",
    "mustRegexReplaceAllLiteral",
    "mustRegexSplit",
    "mustRest",
    "mustReverse",
    "mustSlice",
    "mustToDate",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "mustUniq",
    "mustWithout",
    "nindent",
    "nospace",
    "now",
    "omit",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "pick",
    "pluck",
    "plural",
    "prepend",
    "push",
    "quote",
    "randAlpha",
    "randAlphaNum",
    "randAscii",
    "randBytes",
    "randInt",
    "randNumeric",
    "regexFind",
    "regexFindAll",
    "regexMatch",
    "regexQuoteMeta",
    "regexReplaceAll",
    "regexReplaceAllLiteral",
    "regexSplit",
    "repeat",
    "replace",
    "rest",
    "reverse",
    "round",
    "semver",
    "semverCompare",
    "seq",
    "set",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "shuffle",
    "slice",
    "snakecase",
    "sortAlpha",
    "split",
    "splitList",
    "splitn",
    "squote",
    "sub",
    "subf",
    "substr",
    "swapcase",
    "ternary",
    "title",
    "toDate",
    "toDecimal",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "toString",
    "toStrings",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "trimall",
    "trunc",
    "tuple",
    "typeIs",
    "typeIsLike",
    "typeOf",
    "uniq",
    "unixEpoch",
    "unset",
    "until",
    "untilStep",
    "untitle",
    "upper",
    "urlJoin",
    "urlParse",
    "uuidv4",
    "values",
    "without",
    "wrap",
    "wrapWith",
];

/// Go's own template functions.
pub const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Functions rehearse renders (the rest of Sprig's list is reported as not rendered).
pub fn implemented(name: &str) -> bool {
    BUILTINS.contains(&name)
        || matches!(
            name,
            "marshal"
                | "include"
                | "env"
                | "expandenv"
                | "default"
                | "empty"
                | "coalesce"
                | "ternary"
                | "toJson"
                | "mustToJson"
                | "toRawJson"
                | "toPrettyJson"
                | "toString"
                | "quote"
                | "squote"
                | "upper"
                | "lower"
                | "title"
                | "trim"
                | "trimAll"
                | "trimall"
                | "trimPrefix"
                | "trimSuffix"
                | "replace"
                | "contains"
                | "hasPrefix"
                | "hasSuffix"
                | "join"
                | "splitList"
                | "list"
                | "tuple"
                | "dict"
                | "get"
                | "set"
                | "hasKey"
                | "keys"
                | "first"
                | "last"
                | "rest"
                | "initial"
                | "append"
                | "push"
                | "prepend"
                | "concat"
                | "has"
                | "add"
                | "add1"
                | "sub"
                | "mul"
                | "div"
                | "mod"
                | "max"
                | "min"
                | "int"
                | "int64"
                | "float64"
                | "atoi"
                | "until"
                | "repeat"
                | "nospace"
                | "indent"
                | "nindent"
                | "cat"
                | "b64enc"
                | "fail"
                | "sortAlpha"
                | "uniq"
                | "kindIs"
                | "typeOf"
        )
}

/// Functions whose result changes from run to run: rehearse does not pretend to know it.
pub fn nondeterministic(name: &str) -> bool {
    name == "now"
        || name == "uuidv4"
        || name.starts_with("rand")
        || name == "shuffle"
        || name.starts_with("gen")
        || name == "bcrypt"
        || name == "htpasswd"
        || name == "getHostByName"
        || name == "ago"
        || name == "date"
        || name == "unixEpoch"
}

impl<'a> Exec<'a> {
    pub fn new(
        templates: &'a BTreeMap<String, Template<'a>>,
        partials: &'a dyn Fn(&str) -> Option<(usize, String)>,
        env: &'a dyn Fn(&str) -> String,
    ) -> Exec<'a> {
        Exec {
            templates,
            partials,
            env,
            out: Output::default(),
            depth: 0,
            steps: 0,
            value_bytes: 0,
            nesting: 0,
        }
    }

    /// Counts one step of work.
    fn step(&mut self, file: usize, at: usize) -> Result<(), Fail> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(over_limit(&format!("{MAX_STEPS} steps"), file, at));
        }
        Ok(())
    }

    /// Counts `bytes` of values about to be made or just copied.
    fn spend(&mut self, bytes: u64, file: usize, at: usize) -> Result<(), Fail> {
        self.value_bytes = self.value_bytes.saturating_add(bytes);
        if self.value_bytes > MAX_VALUE_BYTES {
            return Err(over_limit(
                &format!("{} MiB of values", MAX_VALUE_BYTES >> 20),
                file,
                at,
            ));
        }
        Ok(())
    }

    /// Counts a value made or copied.
    fn spend_on(&mut self, value: &Val, file: usize, at: usize) -> Result<(), Fail> {
        let left = MAX_VALUE_BYTES.saturating_sub(self.value_bytes);
        self.spend(value_size(value, left), file, at)
    }

    /// Counts `count` items of `each` bytes about to be made, before making them.
    fn spend_items(&mut self, count: i64, each: usize, file: usize, at: usize) -> Result<(), Fail> {
        let count = u64::try_from(count).unwrap_or(0);
        self.spend(count.saturating_mul(each as u64), file, at)
    }

    fn emit(&mut self, text: &str, file: usize, at: Range<usize>, exact: bool) -> Result<(), Fail> {
        if text.is_empty() {
            return Ok(());
        }
        if self.out.text.len() + text.len() > super::MAX_OUTPUT_BYTES {
            return Err(over_limit(
                &format!("{} MiB of output", super::MAX_OUTPUT_BYTES >> 20),
                file,
                at.start,
            ));
        }
        let start = self.out.text.len();
        self.out.text.push_str(text);
        self.out.segments.push(Segment {
            output: start..self.out.text.len(),
            file,
            source: at,
            exact,
        });
        Ok(())
    }

    /// Executes a named template with `dot` and no variables but `$`.
    pub fn run(&mut self, name: &str, dot: &Val, at: usize, file: usize) -> Result<(), Fail> {
        let Some(template) = self.templates.get(name) else {
            return Err(Fail::error(
                format!("no such template \"{name}\""),
                file,
                at,
            ));
        };
        self.depth += 1;
        // Go stops at a depth of 100 000 (text/template `maxExecDepth`); rehearse stops far
        // earlier, so a deeper recursion is rehearse's limit (K035), not KrakenD's error.
        if self.depth > MAX_CALL_DEPTH {
            return Err(over_limit(
                &format!("template call depth {MAX_CALL_DEPTH} (in \"{name}\")"),
                file,
                at,
            ));
        }
        let mut vars = vec![("$".to_string(), dot.clone())];
        let body = template.body;
        let file = template.file;
        self.body(body, dot, &mut vars, file)?;
        self.depth -= 1;
        Ok(())
    }

    fn body(
        &mut self,
        body: &Body,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        file: usize,
    ) -> Result<Flow, Fail> {
        let at = body.first().map_or(0, node_at);
        self.nest(file, at)?;
        let flow = self.nodes(body, dot, vars, file);
        self.nesting -= 1;
        flow
    }

    /// Enters one more level of nesting.
    fn nest(&mut self, file: usize, at: usize) -> Result<(), Fail> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(over_limit(
                &format!("{MAX_NESTING} nested blocks and template calls"),
                file,
                at,
            ));
        }
        Ok(())
    }

    fn nodes(
        &mut self,
        body: &Body,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        file: usize,
    ) -> Result<Flow, Fail> {
        for node in body {
            match self.node(node, dot, vars, file)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    fn node(
        &mut self,
        node: &Node,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        file: usize,
    ) -> Result<Flow, Fail> {
        self.step(file, node_at(node))?;
        match node {
            Node::Text { text, at } => self.emit(text, file, at.clone(), true)?,
            Node::Action { pipe, at } => {
                let value = self.pipe(pipe, dot, vars, file, at.start)?;
                if pipe.vars.is_empty() {
                    match value {
                        Printed::Include(partial, text) => {
                            let len = text.len();
                            self.emit(&text, partial, 0..len, true)?;
                        }
                        Printed::Value(value) => {
                            let text = value.print();
                            self.emit(&text, file, at.clone(), false)?;
                        }
                    }
                }
            }
            Node::If {
                branches,
                otherwise,
                at,
            } => {
                let mark = vars.len();
                for (pipe, body) in branches {
                    let value = self.pipe(pipe, dot, vars, file, at.start)?.value();
                    if value.truthy() {
                        let flow = self.body(body, dot, vars, file)?;
                        vars.truncate(mark);
                        return Ok(flow);
                    }
                }
                if let Some(body) = otherwise {
                    let flow = self.body(body, dot, vars, file)?;
                    vars.truncate(mark);
                    return Ok(flow);
                }
                vars.truncate(mark);
            }
            Node::With {
                pipe,
                body,
                otherwise,
                at,
            } => {
                let mark = vars.len();
                let value = self.pipe(pipe, dot, vars, file, at.start)?.value();
                let flow = if value.truthy() {
                    self.body(body, &value, vars, file)?
                } else if let Some(body) = otherwise {
                    self.body(body, dot, vars, file)?
                } else {
                    Flow::Normal
                };
                vars.truncate(mark);
                return Ok(flow);
            }
            Node::Range {
                pipe,
                body,
                otherwise,
                at,
            } => {
                let mark = vars.len();
                // The declared variables take the index/key and the element.
                let declared = pipe.vars.clone();
                let mut plain = pipe.clone();
                plain.vars.clear();
                let value = self.pipe(&plain, dot, vars, file, at.start)?.value();
                let items: Vec<(Val, Val)> = match value {
                    Val::List(items) => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (Val::Int(i as i64), v))
                        .collect(),
                    Val::Map(map) => map.into_iter().map(|(k, v)| (Val::Str(k), v)).collect(),
                    Val::Int(n) => {
                        self.spend_items(n, 2 * SLOT, file, at.start)?;
                        (0..n.max(0)).map(|i| (Val::Int(i), Val::Int(i))).collect()
                    }
                    Val::Missing | Val::Nil => Vec::new(),
                    other => {
                        return Err(Fail::error(
                            format!("range can't iterate over {}", other.print()),
                            file,
                            at.start,
                        ))
                    }
                };
                if items.is_empty() {
                    if let Some(body) = otherwise {
                        self.body(body, dot, vars, file)?;
                    }
                }
                for (key, element) in items {
                    self.step(file, at.start)?;
                    let inner = vars.len();
                    match declared.as_slice() {
                        [] => {}
                        [v] => vars.push((v.clone(), element.clone())),
                        [k, v, ..] => {
                            vars.push((k.clone(), key));
                            vars.push((v.clone(), element.clone()));
                        }
                    }
                    let flow = self.body(body, &element, vars, file)?;
                    vars.truncate(inner);
                    if matches!(flow, Flow::Break) {
                        break;
                    }
                }
                vars.truncate(mark);
            }
            Node::Template { name, pipe, at } => {
                let value = match pipe {
                    Some(pipe) => self.pipe(pipe, dot, vars, file, at.start)?.value(),
                    None => Val::Nil,
                };
                self.run(name, &value, at.start, file)?;
            }
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn pipe(
        &mut self,
        pipe: &Pipe,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        file: usize,
        at: usize,
    ) -> Result<Printed, Fail> {
        let mut last: Option<Printed> = None;
        for command in &pipe.commands {
            let previous = last.take().map(Printed::value);
            last = Some(self.command(command, dot, vars, previous, file, at)?);
        }
        let result = last.unwrap_or(Printed::Value(Val::Nil));
        if !pipe.vars.is_empty() {
            let value = result.clone().value();
            for name in &pipe.vars {
                if pipe.assign {
                    match vars.iter_mut().rev().find(|(n, _)| n == name) {
                        Some(slot) => slot.1 = value.clone(),
                        None => {
                            return Err(Fail::error(
                                format!("undefined variable: {name}"),
                                file,
                                at,
                            ))
                        }
                    }
                } else {
                    vars.push((name.clone(), value.clone()));
                }
            }
        }
        Ok(result)
    }

    fn command(
        &mut self,
        args: &[Arg],
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        previous: Option<Val>,
        file: usize,
        at: usize,
    ) -> Result<Printed, Fail> {
        let Some(first) = args.first() else {
            return Err(Fail::error("empty command", file, at));
        };
        if let Arg::Func(name) = first {
            // `and`/`or` short-circuit: evaluate lazily.
            if name == "and" || name == "or" {
                let mut result = Val::Nil;
                let mut operands: Vec<Option<&Arg>> = args[1..].iter().map(Some).collect();
                if previous.is_some() {
                    operands.push(None);
                }
                for operand in operands {
                    result = match operand {
                        Some(arg) => self.arg(arg, dot, vars, file, at)?,
                        None => previous.clone().unwrap_or(Val::Nil),
                    };
                    if (name == "and") != result.truthy() {
                        break;
                    }
                }
                return Ok(Printed::Value(result));
            }
            let mut values = Vec::new();
            for arg in &args[1..] {
                values.push(self.arg(arg, dot, vars, file, at)?);
            }
            if let Some(previous) = previous {
                values.push(previous);
            }
            return self.call(name, values, file, at);
        }
        if args.len() > 1 || previous.is_some() {
            return Err(Fail::error("can't give argument to non-function", file, at));
        }
        Ok(Printed::Value(self.arg(first, dot, vars, file, at)?))
    }

    fn arg(
        &mut self,
        arg: &Arg,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        file: usize,
        at: usize,
    ) -> Result<Val, Fail> {
        match arg {
            Arg::Dot(fields) => {
                let value = field_of(dot, fields, file, at)?;
                self.spend_on(value, file, at)?;
                Ok(value.clone())
            }
            Arg::Var(name, fields) => {
                let Some((_, value)) = vars.iter().rev().find(|(n, _)| n == name) else {
                    return Err(Fail::error(
                        format!("undefined variable \"{name}\""),
                        file,
                        at,
                    ));
                };
                let value = field_of(value, fields, file, at)?;
                self.spend_on(value, file, at)?;
                Ok(value.clone())
            }
            Arg::Func(name) => Ok(self.call(name, Vec::new(), file, at)?.value()),
            Arg::Str(s) => Ok(Val::Str(s.clone())),
            Arg::Int(i) => Ok(Val::Int(*i)),
            Arg::Float(f) => Ok(Val::Float(*f)),
            Arg::Bool(b) => Ok(Val::Bool(*b)),
            Arg::Nil => Ok(Val::Nil),
            Arg::Sub(pipe, fields) => {
                self.nest(file, at)?;
                let value = self.pipe(pipe, dot, vars, file, at)?.value();
                self.nesting -= 1;
                field_of(&value, fields, file, at).cloned()
            }
        }
    }

    fn call(
        &mut self,
        name: &str,
        args: Vec<Val>,
        file: usize,
        at: usize,
    ) -> Result<Printed, Fail> {
        self.step(file, at)?;
        let printed = self.call_unbounded(name, args, file, at)?;
        if let Printed::Value(value) = &printed {
            self.spend_on(value, file, at)?;
        }
        Ok(printed)
    }

    /// A function's result. Functions whose result may be far larger than their arguments
    /// spend its size before making it.
    fn call_unbounded(
        &mut self,
        name: &str,
        args: Vec<Val>,
        file: usize,
        at: usize,
    ) -> Result<Printed, Fail> {
        let fail =
            |message: String| Fail::error(format!("error calling {name}: {message}"), file, at);
        let arity = |n: usize| -> Result<(), Fail> {
            if args.len() == n {
                Ok(())
            } else {
                Err(Fail::error(
                    format!(
                        "wrong number of args for {name}: want {n} got {}",
                        args.len()
                    ),
                    file,
                    at,
                ))
            }
        };
        let text = |v: &Val| match v {
            Val::Str(s) => s.clone(),
            Val::Missing | Val::Nil => String::new(),
            other => other.print(),
        };
        let value = match name {
            "include" => {
                arity(1)?;
                let Val::Str(partial) = &args[0] else {
                    return Err(fail("the partial name is not a string".to_string()));
                };
                // KrakenD ignores a read error and inserts nothing.
                return Ok(match (self.partials)(partial) {
                    Some((index, text)) => Printed::Include(index, text),
                    None => Printed::Value(Val::Str(String::new())),
                });
            }
            "marshal" | "toJson" | "mustToJson" | "toRawJson" => {
                arity(1)?;
                let mut out = String::new();
                marshal(&args[0], &mut out);
                if name == "toRawJson" {
                    out = out
                        .replace("\\u003c", "<")
                        .replace("\\u003e", ">")
                        .replace("\\u0026", "&");
                }
                Val::Str(out)
            }
            "toPrettyJson" => {
                arity(1)?;
                let mut compact = String::new();
                marshal(&args[0], &mut compact);
                let parsed: serde_json::Value =
                    serde_json::from_str(&compact).unwrap_or(serde_json::Value::Null);
                Val::Str(serde_json::to_string_pretty(&parsed).unwrap_or(compact))
            }
            "env" => {
                arity(1)?;
                Val::Str((self.env)(&text(&args[0])))
            }
            "expandenv" => {
                arity(1)?;
                Val::Str(expand_env(&text(&args[0]), self.env))
            }
            "default" => {
                let fallback = args.first().cloned().unwrap_or(Val::Nil);
                match args.get(1) {
                    Some(given) if given.truthy() => given.clone(),
                    _ => fallback,
                }
            }
            "empty" => Val::Bool(!args.first().is_some_and(Val::truthy)),
            "coalesce" => args
                .iter()
                .find(|v| v.truthy())
                .cloned()
                .unwrap_or(Val::Nil),
            "ternary" => {
                arity(3)?;
                if args[2].truthy() {
                    args[0].clone()
                } else {
                    args[1].clone()
                }
            }
            "toString" => Val::Str(args.first().map(|v| v.print()).unwrap_or_default()),
            "quote" | "squote" => {
                let q = if name == "quote" { '"' } else { '\'' };
                let parts: Vec<String> = args
                    .iter()
                    .filter(|v| !matches!(v, Val::Nil | Val::Missing))
                    .map(|v| {
                        if q == '"' {
                            format!("{:?}", v.print())
                        } else {
                            format!("'{}'", v.print())
                        }
                    })
                    .collect();
                Val::Str(parts.join(" "))
            }
            "upper" => {
                arity(1)?;
                Val::Str(text(&args[0]).to_uppercase())
            }
            "lower" => {
                arity(1)?;
                Val::Str(text(&args[0]).to_lowercase())
            }
            "title" => {
                arity(1)?;
                Val::Str(
                    text(&args[0])
                        .split(' ')
                        .map(|w| {
                            let mut c = w.chars();
                            match c.next() {
                                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                                None => String::new(),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }
            "trim" => {
                arity(1)?;
                Val::Str(text(&args[0]).trim().to_string())
            }
            "trimAll" | "trimall" => {
                arity(2)?;
                let cut: Vec<char> = text(&args[0]).chars().collect();
                Val::Str(
                    text(&args[1])
                        .trim_matches(|c| cut.contains(&c))
                        .to_string(),
                )
            }
            "trimPrefix" => {
                arity(2)?;
                let s = text(&args[1]);
                Val::Str(s.strip_prefix(&text(&args[0])).unwrap_or(&s).to_string())
            }
            "trimSuffix" => {
                arity(2)?;
                let s = text(&args[1]);
                Val::Str(s.strip_suffix(&text(&args[0])).unwrap_or(&s).to_string())
            }
            "replace" => {
                arity(3)?;
                let (from, to, s) = (text(&args[0]), text(&args[1]), text(&args[2]));
                // An empty `from` matches before every character and at the end.
                let matches = if from.is_empty() {
                    s.chars().count() + 1
                } else {
                    s.matches(from.as_str()).count()
                };
                self.spend_items(matches as i64, to.len(), file, at)?;
                Val::Str(s.replace(&from, &to))
            }
            "contains" => {
                arity(2)?;
                Val::Bool(text(&args[1]).contains(&text(&args[0])))
            }
            "hasPrefix" => {
                arity(2)?;
                Val::Bool(text(&args[1]).starts_with(&text(&args[0])))
            }
            "hasSuffix" => {
                arity(2)?;
                Val::Bool(text(&args[1]).ends_with(&text(&args[0])))
            }
            "repeat" => {
                arity(2)?;
                let (count, s) = (args[0].to_int(), text(&args[1]));
                self.spend_items(count, s.len(), file, at)?;
                Val::Str(s.repeat(count.max(0) as usize))
            }
            "nospace" => {
                arity(1)?;
                Val::Str(
                    text(&args[0])
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect(),
                )
            }
            "indent" | "nindent" => {
                arity(2)?;
                let width = args[0].to_int();
                let lines = text(&args[1]).matches('\n').count() + 1;
                self.spend_items(width, lines, file, at)?;
                let pad = " ".repeat(width.max(0) as usize);
                let body = format!("{pad}{}", text(&args[1]).replace('\n', &format!("\n{pad}")));
                Val::Str(if name == "nindent" {
                    format!("\n{body}")
                } else {
                    body
                })
            }
            "cat" => Val::Str(
                args.iter()
                    .filter(|v| !matches!(v, Val::Nil | Val::Missing))
                    .map(Val::print)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "b64enc" => {
                arity(1)?;
                Val::Str(base64(text(&args[0]).as_bytes()))
            }
            "join" => {
                arity(2)?;
                let sep = text(&args[0]);
                if let Val::List(items) = &args[1] {
                    self.spend_items(items.len() as i64, sep.len(), file, at)?;
                }
                let items: Vec<String> = match &args[1] {
                    Val::List(items) => items.iter().map(text).collect(),
                    other => vec![text(other)],
                };
                Val::Str(items.join(&sep))
            }
            "splitList" => {
                arity(2)?;
                Val::List(
                    text(&args[1])
                        .split(&text(&args[0]))
                        .map(|s| Val::Str(s.to_string()))
                        .collect(),
                )
            }
            "list" | "tuple" => Val::List(args),
            "dict" => {
                let mut map = BTreeMap::new();
                for pair in args.chunks(2) {
                    map.insert(
                        text(&pair[0]),
                        pair.get(1).cloned().unwrap_or(Val::Str(String::new())),
                    );
                }
                Val::Map(map)
            }
            "get" => {
                arity(2)?;
                match &args[0] {
                    Val::Map(map) => map
                        .get(&text(&args[1]))
                        .cloned()
                        .unwrap_or(Val::Str(String::new())),
                    _ => Val::Str(String::new()),
                }
            }
            "set" => {
                arity(3)?;
                match args[0].clone() {
                    Val::Map(mut map) => {
                        map.insert(text(&args[1]), args[2].clone());
                        Val::Map(map)
                    }
                    other => other,
                }
            }
            "hasKey" => {
                arity(2)?;
                Val::Bool(matches!(&args[0], Val::Map(map) if map.contains_key(&text(&args[1]))))
            }
            "keys" => {
                let mut keys: Vec<Val> = args
                    .iter()
                    .filter_map(|v| match v {
                        Val::Map(map) => {
                            Some(map.keys().cloned().map(Val::Str).collect::<Vec<_>>())
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                keys.sort_by_key(Val::print);
                Val::List(keys)
            }
            "sortAlpha" => {
                let mut items: Vec<String> = match args.first() {
                    Some(Val::List(items)) => items.iter().map(text).collect(),
                    Some(other) => vec![text(other)],
                    None => Vec::new(),
                };
                items.sort();
                Val::List(items.into_iter().map(Val::Str).collect())
            }
            "first" | "last" | "rest" | "initial" | "uniq" => {
                arity(1)?;
                let items = match &args[0] {
                    Val::List(items) => items.clone(),
                    Val::Missing | Val::Nil => Vec::new(),
                    other => {
                        return Err(fail(format!(
                            "Cannot find {name} on type {}",
                            other.type_name()
                        )))
                    }
                };
                match name {
                    "first" => items.first().cloned().unwrap_or(Val::Nil),
                    "last" => items.last().cloned().unwrap_or(Val::Nil),
                    "rest" => Val::List(items.iter().skip(1).cloned().collect()),
                    "initial" => Val::List(items[..items.len().saturating_sub(1)].to_vec()),
                    _ => {
                        let mut seen = Vec::new();
                        for item in items {
                            if !seen.contains(&item) {
                                seen.push(item);
                            }
                        }
                        Val::List(seen)
                    }
                }
            }
            "append" | "push" => {
                arity(2)?;
                let mut items = match &args[0] {
                    Val::List(items) => items.clone(),
                    _ => Vec::new(),
                };
                items.push(args[1].clone());
                Val::List(items)
            }
            "prepend" => {
                arity(2)?;
                let mut items = vec![args[1].clone()];
                if let Val::List(rest) = &args[0] {
                    items.extend(rest.iter().cloned());
                }
                Val::List(items)
            }
            "concat" => Val::List(
                args.iter()
                    .flat_map(|v| match v {
                        Val::List(items) => items.clone(),
                        _ => Vec::new(),
                    })
                    .collect(),
            ),
            "has" => {
                arity(2)?;
                Val::Bool(matches!(&args[1], Val::List(items) if items.contains(&args[0])))
            }
            // Go's int64 arithmetic wraps.
            "add" => Val::Int(args.iter().map(Val::to_int).fold(0, i64::wrapping_add)),
            "add1" => Val::Int(args.first().map_or(0, Val::to_int).wrapping_add(1)),
            "sub" | "mul" | "div" | "mod" => {
                arity(2)?;
                let (a, b) = (args[0].to_int(), args[1].to_int());
                Val::Int(match name {
                    "sub" => a.wrapping_sub(b),
                    "mul" => a.wrapping_mul(b),
                    "div" if b != 0 => a.wrapping_div(b),
                    "mod" if b != 0 => a.wrapping_rem(b),
                    _ => return Err(fail("runtime error: integer divide by zero".to_string())),
                })
            }
            "max" => Val::Int(args.iter().map(Val::to_int).max().unwrap_or(0)),
            "min" => Val::Int(args.iter().map(Val::to_int).min().unwrap_or(0)),
            "int" | "int64" => Val::Int(args.first().map_or(0, Val::to_int)),
            "float64" => Val::Float(args.first().map_or(0.0, Val::to_float)),
            "atoi" => {
                arity(1)?;
                Val::Int(text(&args[0]).trim().parse().unwrap_or(0))
            }
            "until" => {
                let count = args.first().map_or(0, Val::to_int);
                self.spend_items(count, SLOT, file, at)?;
                Val::List((0..count.max(0)).map(Val::Int).collect())
            }
            "fail" => {
                return Err(Fail::error(
                    format!(
                        "error calling fail: {}",
                        args.first().map(text).unwrap_or_default()
                    ),
                    file,
                    at,
                ))
            }
            "kindIs" => {
                arity(2)?;
                Val::Bool(kind(&args[1]) == text(&args[0]))
            }
            "typeOf" => Val::Str(args.first().map_or("<nil>", Val::type_name).to_string()),
            // Go's builtins.
            "not" => {
                arity(1)?;
                Val::Bool(!args[0].truthy())
            }
            "len" => {
                arity(1)?;
                Val::Int(match &args[0] {
                    Val::Str(s) => s.len() as i64,
                    Val::List(l) => l.len() as i64,
                    Val::Map(m) => m.len() as i64,
                    other => return Err(fail(format!("len of type {}", other.type_name()))),
                })
            }
            "index" => {
                let mut value = args.first().cloned().unwrap_or(Val::Nil);
                for key in args.iter().skip(1) {
                    value = match (&value, key) {
                        (Val::List(items), k) => {
                            let i = k.to_int();
                            match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                                Some(v) => v.clone(),
                                None => return Err(fail(format!("index out of range: {i}"))),
                            }
                        }
                        (Val::Map(map), k) => map.get(&text(k)).cloned().unwrap_or(Val::Missing),
                        (Val::Missing | Val::Nil, _) => {
                            return Err(fail("index of untyped nil".to_string()))
                        }
                        (other, _) => {
                            return Err(fail(format!(
                                "can't index item of type {}",
                                other.type_name()
                            )))
                        }
                    };
                }
                value
            }
            "slice" => {
                let items = match args.first() {
                    Some(Val::List(items)) => items.clone(),
                    _ => Vec::new(),
                };
                let from = args.get(1).map_or(0, Val::to_int).max(0) as usize;
                let to = args.get(2).map_or(items.len() as i64, Val::to_int).max(0) as usize;
                match items.get(from..to.min(items.len())) {
                    Some(part) => Val::List(part.to_vec()),
                    None => return Err(fail(format!("index out of range: {from}"))),
                }
            }
            "print" => Val::Str(go_sprint(&args)),
            "println" => Val::Str(args.iter().map(Val::print).collect::<Vec<_>>().join(" ") + "\n"),
            "printf" => Val::Str(printf(&args)),
            "html" | "js" | "urlquery" => Val::Str(go_sprint(&args)),
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if args.len() < 2 {
                    return Err(fail("missing argument for comparison".to_string()));
                }
                let result = match name {
                    "eq" => args[1..].iter().any(|b| equal(&args[0], b)),
                    "ne" => !equal(&args[0], &args[1]),
                    _ => {
                        let ordering = compare(&args[0], &args[1])
                            .ok_or_else(|| fail("incompatible types for comparison".to_string()))?;
                        match name {
                            "lt" => ordering.is_lt(),
                            "le" => ordering.is_le(),
                            "gt" => ordering.is_gt(),
                            _ => ordering.is_ge(),
                        }
                    }
                };
                Val::Bool(result)
            }
            _ => {
                return Err(Fail {
                    message: format!("rehearse does not render the Sprig function `{name}`"),
                    file,
                    at,
                    unsupported: true,
                })
            }
        };
        Ok(Printed::Value(value))
    }
}

/// A pipeline's result: a value, or an `include`d partial (kept apart so its text maps to the
/// partial's own bytes).
#[derive(Clone)]
enum Printed {
    Value(Val),
    Include(usize, String),
}

impl Printed {
    fn value(self) -> Val {
        match self {
            Printed::Value(v) => v,
            Printed::Include(_, text) => Val::Str(text),
        }
    }
}

/// The value at `fields` below `value`, found by reference (copying only what is found).
fn field_of<'v>(
    mut value: &'v Val,
    fields: &[String],
    file: usize,
    at: usize,
) -> Result<&'v Val, Fail> {
    for field in fields {
        value = match value {
            Val::Map(map) => map.get(field).unwrap_or(&Val::Missing),
            Val::Missing | Val::Nil => {
                return Err(Fail::error(
                    format!("nil pointer evaluating interface {{}}.{field}"),
                    file,
                    at,
                ))
            }
            other => {
                return Err(Fail::error(
                    format!("can't evaluate field {field} in type {}", other.type_name()),
                    file,
                    at,
                ))
            }
        };
    }
    Ok(value)
}

fn kind(value: &Val) -> &'static str {
    match value {
        Val::Missing | Val::Nil => "invalid",
        Val::Bool(_) => "bool",
        Val::Int(_) => "int",
        Val::Float(_) => "float64",
        Val::Str(_) => "string",
        Val::List(_) => "slice",
        Val::Map(_) => "map",
    }
}

fn equal(a: &Val, b: &Val) -> bool {
    match (a.number(), b.number()) {
        (Some(x), Some(y)) => x == y,
        _ => match (a, b) {
            (Val::Missing | Val::Nil, Val::Missing | Val::Nil) => true,
            _ => a == b,
        },
    }
}

fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        _ => a.number()?.partial_cmp(&b.number()?),
    }
}

/// `fmt.Sprint`: spaces only between operands when neither is a string.
fn go_sprint(args: &[Val]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !matches!(arg, Val::Str(_)) && !matches!(args[i - 1], Val::Str(_)) {
            out.push(' ');
        }
        out.push_str(&arg.print());
    }
    out
}

/// `fmt.Sprintf` for the verbs configs use: `%s %v %d %q %t %f %%`.
fn printf(args: &[Val]) -> String {
    let format = match args.first() {
        Some(Val::Str(s)) => s.clone(),
        Some(other) => other.print(),
        None => return String::new(),
    };
    let mut values = args[1..].iter();
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb) => match values.next() {
                Some(v) => match verb {
                    'q' => out.push_str(&format!("{:?}", v.print())),
                    'd' => out.push_str(&v.to_int().to_string()),
                    'f' => out.push_str(&format!("{:.6}", v.to_float())),
                    _ => out.push_str(&v.print()),
                },
                None => out.push_str(&format!("%!{verb}(MISSING)")),
            },
            None => out.push_str("%!(NOVERB)"),
        }
    }
    out
}

/// `os.ExpandEnv`: `$NAME` and `${NAME}`.
fn expand_env(text: &str, env: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() {
            if bytes[i + 1] == b'{' {
                if let Some(end) = text[i + 2..].find('}') {
                    out.push_str(&env(&text[i + 2..i + 2 + end]));
                    i += 3 + end;
                    continue;
                }
            }
            let s = i + 1;
            let mut e = s;
            while e < bytes.len() && (bytes[e].is_ascii_alphanumeric() || bytes[e] == b'_') {
                e += 1;
            }
            if e > s {
                out.push_str(&env(&text[s..e]));
                i = e;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap_or('$');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
