//! Go `text/template` syntax, as KrakenD's flexible configuration parses it
//! (krakend-flexibleconfig `template.go`: `template.New("config").Funcs(...).ParseFiles(...)`):
//! `{{ pipeline }}` actions with `{{-`/`-}}` trimming, comments, `if`/`else if`/`else`,
//! `range` (with `$i, $v :=`), `with`, `define`/`template`/`block`, `break`/`continue`,
//! variables, pipelines and parenthesised commands. Byte offsets are kept for the segment map.

use std::ops::Range;

/// A parsed template body.
pub type Body = Vec<Node>;

#[derive(Clone, Debug)]
pub enum Node {
    /// Literal text (already trimmed by `{{-`/`-}}`) and where it is in the file.
    Text {
        text: String,
        at: Range<usize>,
    },
    /// `{{ pipeline }}`: its value is printed unless the pipeline declares variables.
    Action {
        pipe: Pipe,
        at: Range<usize>,
    },
    If {
        branches: Vec<(Pipe, Body)>,
        otherwise: Option<Body>,
        at: Range<usize>,
    },
    Range {
        pipe: Pipe,
        body: Body,
        otherwise: Option<Body>,
        at: Range<usize>,
    },
    With {
        pipe: Pipe,
        body: Body,
        otherwise: Option<Body>,
        at: Range<usize>,
    },
    Template {
        name: String,
        pipe: Option<Pipe>,
        at: Range<usize>,
    },
    Break,
    Continue,
}

#[derive(Clone, Debug, Default)]
pub struct Pipe {
    /// `$x :=` / `$i, $v :=` (or `=` when `assign`).
    pub vars: Vec<String>,
    pub assign: bool,
    pub commands: Vec<Vec<Arg>>,
}

#[derive(Clone, Debug)]
pub enum Arg {
    /// `.`, `.a.b`: fields of the dot.
    Dot(Vec<String>),
    /// `$x.a.b`.
    Var(String, Vec<String>),
    /// A function name.
    Func(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// `(pipeline).a.b`.
    Sub(Box<Pipe>, Vec<String>),
}

/// A syntax error: message and byte offset.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub message: String,
    pub at: usize,
    /// Past rehearse's nesting limit rather than an error Go reports too.
    pub too_deep: bool,
}

/// Deepest nesting of blocks (`if`/`with`/`range`/`define`) or of parentheses rehearse parses:
/// real configs nest a few levels; the parser and the renderer recurse once per level.
pub const MAX_NESTING: usize = 100;

fn too_deep<T>(at: usize) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        message: format!("nested more than {MAX_NESTING} levels deep (rehearse's nesting limit)"),
        at,
        too_deep: true,
    })
}

/// The templates one file defines: its own body and every `{{ define }}`.
pub struct Parsed {
    pub body: Body,
    pub defines: Vec<(String, Body)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Field(String),
    Var(String),
    Str(String),
    Int(i64),
    Float(f64),
    Char(i64),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

/// One `{{ … }}`: its tokens and the byte range of the whole action.
struct Action {
    tokens: Vec<(Tok, usize)>,
    at: Range<usize>,
}

enum Piece {
    Text(String, Range<usize>),
    Action(Action),
}

fn error<T>(message: impl Into<String>, at: usize) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        message: message.into(),
        at,
        too_deep: false,
    })
}

/// Splits a template into text and actions, applying the trim markers.
fn pieces(src: &str) -> Result<Vec<Piece>, SyntaxError> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    while pos <= src.len() {
        let open = src[pos..].find("{{").map(|i| pos + i);
        let text_end = open.unwrap_or(src.len());
        let mut start = pos;
        let mut end = text_end;
        if trim_next {
            start += src[start..end].len() - src[start..end].trim_start().len();
        }
        let Some(open) = open else {
            if start < end {
                out.push(Piece::Text(src[start..end].to_string(), start..end));
            }
            break;
        };
        let trim_left = src[open + 2..].starts_with("- ")
            || src[open + 2..].starts_with("-\t")
            || src[open + 2..].starts_with("-\n")
            || src[open + 2..].starts_with("-\r");
        if trim_left {
            end = start.max(end - (src[start..end].len() - src[start..end].trim_end().len()));
        }
        if start < end {
            out.push(Piece::Text(src[start..end].to_string(), start..end));
        }
        let inner_start = open + if trim_left { 3 } else { 2 };
        // A comment: `{{/* … */}}`, possibly trimmed.
        let trimmed_inner = &src[inner_start..];
        let lead = trimmed_inner.len() - trimmed_inner.trim_start().len();
        if trimmed_inner[lead..].starts_with("/*") {
            let comment_end = match src[inner_start + lead..].find("*/") {
                Some(i) => inner_start + lead + i + 2,
                None => return error("unclosed comment", open),
            };
            let rest = &src[comment_end..];
            let rest_trim = rest.trim_start();
            let (trim_right, close) = if let Some(after) = rest_trim.strip_prefix("-}}") {
                let _ = after;
                (true, comment_end + (rest.len() - rest_trim.len()) + 3)
            } else if let Some(after) = rest.strip_prefix("}}") {
                let _ = after;
                (false, comment_end + 2)
            } else {
                return error("comment ends before closing delimiter", comment_end);
            };
            trim_next = trim_right;
            pos = close;
            continue;
        }
        let (tokens, close, trim_right) = lex_action(src, inner_start)?;
        out.push(Piece::Action(Action {
            tokens,
            at: open..close,
        }));
        trim_next = trim_right;
        pos = close;
    }
    Ok(out)
}

/// Lexes the inside of an action from `from`; returns its tokens, the offset after `}}`, and
/// whether it ends with `-}}`.
/// An action's tokens, the offset after its `}}`, and whether it ends with `-}}`.
type Lexed = (Vec<(Tok, usize)>, usize, bool);

fn lex_action(src: &str, from: usize) -> Result<Lexed, SyntaxError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = from;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= bytes.len() {
            return error("unclosed action", from);
        }
        if src[i..].starts_with("-}}") && i > from && bytes[i - 1].is_ascii_whitespace() {
            return Ok((tokens, i + 3, true));
        }
        if src[i..].starts_with("}}") {
            return Ok((tokens, i + 2, false));
        }
        let c = bytes[i];
        let start = i;
        let tok = match c {
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'|' => {
                i += 1;
                Tok::Pipe
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b':' if bytes.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Declare
            }
            b'=' => {
                i += 1;
                Tok::Assign
            }
            b'"' => {
                let (text, next) = lex_quoted(src, i)?;
                i = next;
                Tok::Str(text)
            }
            b'`' => match src[i + 1..].find('`') {
                Some(end) => {
                    let text = src[i + 1..i + 1 + end].to_string();
                    i = i + 2 + end;
                    Tok::Str(text)
                }
                None => return error("unterminated raw quoted string", i),
            },
            b'\'' => {
                let rest = &src[i + 1..];
                let mut chars = rest.char_indices();
                let value = match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => '\n',
                        Some((_, 't')) => '\t',
                        Some((_, c)) => c,
                        None => return error("unterminated character constant", i),
                    },
                    Some((_, c)) => c,
                    None => return error("unterminated character constant", i),
                };
                match chars.next() {
                    Some((end, '\'')) => {
                        i = i + 1 + end + 1;
                        Tok::Char(value as i64)
                    }
                    _ => return error("unterminated character constant", i),
                }
            }
            b'.' if bytes
                .get(i + 1)
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_')) =>
            {
                i += 1;
                Tok::Field(String::new())
            }
            b'.' => {
                i += 1;
                let s = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Tok::Field(src[s..i].to_string())
            }
            b'$' => {
                i += 1;
                let s = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Tok::Var(format!("${}", &src[s..i]))
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let s = i;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'_'))
                {
                    i += 1;
                }
                let text = src[s..i].replace('_', "");
                if let Some(n) = crate::dialect::krakend::weak::go_parse_int(&text) {
                    Tok::Int(n)
                } else if let Ok(f) = text.parse::<f64>() {
                    Tok::Float(f)
                } else {
                    return error(format!("bad number syntax: \"{}\"", &src[s..i]), s);
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Tok::Ident(src[start..i].to_string())
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return error(format!("unexpected \"{ch}\" in command"), i);
            }
        };
        // Field chains directly after a token: `$x.a`, `(...).a`.
        tokens.push((tok, start));
    }
}

fn lex_quoted(src: &str, from: usize) -> Result<(String, usize), SyntaxError> {
    let mut out = String::new();
    let mut chars = src[from + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, from + 1 + i + 1)),
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, c)) => {
                    out.push('\\');
                    out.push(c);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    error("unterminated quoted string", from)
}

/// Parses one template file.
pub fn parse(src: &str) -> Result<Parsed, SyntaxError> {
    let pieces = pieces(src)?;
    let mut parser = Parser {
        pieces,
        pos: 0,
        defines: Vec::new(),
        depth: 0,
    };
    let (body, end) = parser.body()?;
    if let Some((keyword, at)) = end {
        return error(format!("unexpected {{{{{keyword}}}}}"), at);
    }
    Ok(Parsed {
        body,
        defines: parser.defines,
    })
}

struct Parser {
    pieces: Vec<Piece>,
    pos: usize,
    defines: Vec<(String, Body)>,
    /// Blocks open around the body being parsed.
    depth: usize,
}

/// What ended a body: `end`, `else` (with the rest of its tokens), or the end of input.
type BodyEnd = Option<(String, usize)>;

impl Parser {
    /// Parses nodes until `end`/`else` or the end of input.
    fn body(&mut self) -> Result<(Body, BodyEnd), SyntaxError> {
        self.depth += 1;
        let parsed = self.body_within_limit();
        self.depth -= 1;
        parsed
    }

    fn body_within_limit(&mut self) -> Result<(Body, BodyEnd), SyntaxError> {
        let mut body = Vec::new();
        while self.pos < self.pieces.len() {
            let index = self.pos;
            self.pos += 1;
            let action = match &self.pieces[index] {
                Piece::Text(text, at) => {
                    body.push(Node::Text {
                        text: text.clone(),
                        at: at.clone(),
                    });
                    continue;
                }
                Piece::Action(action) => action,
            };
            let at = action.at.clone();
            let tokens = action.tokens.clone();
            if self.depth > MAX_NESTING || paren_depth(&tokens) > MAX_NESTING {
                return too_deep(at.start);
            }
            let keyword = match tokens.first() {
                Some((Tok::Ident(word), _)) => word.as_str(),
                _ => "",
            };
            match keyword {
                "end" => return Ok((body, Some(("end".to_string(), at.start)))),
                "else" => {
                    // Keep the `else` tokens for `else if` / `else with`.
                    self.pos -= 1;
                    return Ok((body, Some(("else".to_string(), at.start))));
                }
                "if" | "with" | "range" => {
                    let node = self.control(keyword, &tokens[1..], at)?;
                    body.push(node);
                }
                "define" | "block" => {
                    let name = match tokens.get(1) {
                        Some((Tok::Str(name), _)) => name.clone(),
                        _ => return error(format!("{keyword} needs a name string"), at.start),
                    };
                    let (inner, end) = self.body()?;
                    if !matches!(&end, Some((k, _)) if k == "end") {
                        return error(format!("unexpected EOF in {keyword}"), at.start);
                    }
                    if keyword == "block" {
                        let pipe = if tokens.len() > 2 {
                            Some(pipeline(&tokens[2..], at.start)?)
                        } else {
                            None
                        };
                        body.push(Node::Template {
                            name: name.clone(),
                            pipe,
                            at: at.clone(),
                        });
                    }
                    self.defines.push((name, inner));
                }
                "template" => {
                    let name = match tokens.get(1) {
                        Some((Tok::Str(name), _)) => name.clone(),
                        _ => return error("template needs a name string", at.start),
                    };
                    let pipe = if tokens.len() > 2 {
                        Some(pipeline(&tokens[2..], at.start)?)
                    } else {
                        None
                    };
                    body.push(Node::Template { name, pipe, at });
                }
                "break" => body.push(Node::Break),
                "continue" => body.push(Node::Continue),
                _ => {
                    if tokens.is_empty() {
                        return error("missing value for command", at.start);
                    }
                    let pipe = pipeline(&tokens, at.start)?;
                    body.push(Node::Action { pipe, at });
                }
            }
        }
        Ok((body, None))
    }

    /// `if`/`with`/`range` after its keyword; `tokens` is its pipeline.
    fn control(
        &mut self,
        keyword: &str,
        tokens: &[(Tok, usize)],
        at: Range<usize>,
    ) -> Result<Node, SyntaxError> {
        let pipe = pipeline(tokens, at.start)?;
        let (body, end) = self.body()?;
        let mut branches = vec![(pipe, body)];
        let mut otherwise = None;
        let mut end = end;
        loop {
            match end {
                Some((k, _)) if k == "end" => break,
                Some((k, else_at)) if k == "else" => {
                    let Piece::Action(action) = &self.pieces[self.pos] else {
                        return error("internal: else", else_at);
                    };
                    let tokens = action.tokens.clone();
                    let else_range = action.at.clone();
                    self.pos += 1;
                    match tokens.get(1) {
                        Some((Tok::Ident(word), _)) if word == keyword && keyword != "range" => {
                            // `else if …` / `else with …`: one more branch.
                            let pipe = pipeline(&tokens[2..], else_range.start)?;
                            let (body, next) = self.body()?;
                            branches.push((pipe, body));
                            end = next;
                        }
                        None => {
                            let (body, next) = self.body()?;
                            otherwise = Some(body);
                            match next {
                                Some((k, _)) if k == "end" => break,
                                _ => {
                                    return error(
                                        format!("expected end; found {{{{else}}}} in {keyword}"),
                                        else_range.start,
                                    )
                                }
                            }
                        }
                        Some(_) => {
                            return error(
                                format!("unexpected tokens after else in {keyword}"),
                                else_range.start,
                            )
                        }
                    }
                }
                _ => return error(format!("unexpected EOF in {keyword}"), at.start),
            }
        }
        Ok(match keyword {
            "if" => Node::If {
                branches,
                otherwise,
                at,
            },
            _ => {
                let (pipe, body) = branches.remove(0);
                // `else with` chains nest as another `with` in the else branch.
                let otherwise = if branches.is_empty() {
                    otherwise
                } else {
                    let mut nested = otherwise;
                    while let Some((pipe, body)) = branches.pop() {
                        nested = Some(vec![Node::With {
                            pipe,
                            body,
                            otherwise: nested,
                            at: at.clone(),
                        }]);
                    }
                    nested
                };
                if keyword == "range" {
                    Node::Range {
                        pipe,
                        body,
                        otherwise,
                        at,
                    }
                } else {
                    Node::With {
                        pipe,
                        body,
                        otherwise,
                        at,
                    }
                }
            }
        })
    }
}

/// The deepest parenthesis nesting in an action.
fn paren_depth(tokens: &[(Tok, usize)]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0);
    for (tok, _) in tokens {
        match tok {
            Tok::LParen => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Tok::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A pipeline: optional `$v :=` / `$i, $v :=` / `$v =`, then commands separated by `|`.
fn pipeline(tokens: &[(Tok, usize)], at: usize) -> Result<Pipe, SyntaxError> {
    let mut pipe = Pipe::default();
    let mut rest = tokens;
    // Declarations.
    let mut vars = Vec::new();
    let mut i = 0;
    while let Some((Tok::Var(name), _)) = rest.get(i) {
        vars.push(name.clone());
        match rest.get(i + 1) {
            Some((Tok::Comma, _)) => i += 2,
            Some((Tok::Declare, _)) | Some((Tok::Assign, _)) => {
                pipe.assign = matches!(rest[i + 1].0, Tok::Assign);
                pipe.vars = vars;
                rest = &rest[i + 2..];
                break;
            }
            _ => break,
        }
    }
    if rest.is_empty() {
        return error("missing value for command", at);
    }
    for command in rest.split(|(t, _)| *t == Tok::Pipe) {
        if command.is_empty() {
            return error("missing command", at);
        }
        let mut args = Vec::new();
        let mut k = 0;
        while k < command.len() {
            let (arg, next) = operand(command, k)?;
            args.push(arg);
            k = next;
        }
        pipe.commands.push(args);
    }
    Ok(pipe)
}

/// One operand at `k`, with any field chain after it; returns the next index.
fn operand(tokens: &[(Tok, usize)], k: usize) -> Result<(Arg, usize), SyntaxError> {
    let (tok, at) = &tokens[k];
    let mut next = k + 1;
    let chain = |next: &mut usize| {
        let mut fields = Vec::new();
        while let Some((Tok::Field(name), _)) = tokens.get(*next) {
            if name.is_empty() {
                break;
            }
            fields.push(name.clone());
            *next += 1;
        }
        fields
    };
    let arg = match tok {
        Tok::Field(name) => {
            let mut fields = if name.is_empty() {
                Vec::new()
            } else {
                vec![name.clone()]
            };
            fields.extend(chain(&mut next));
            Arg::Dot(fields)
        }
        Tok::Var(name) => {
            let fields = chain(&mut next);
            Arg::Var(name.clone(), fields)
        }
        Tok::Str(s) => Arg::Str(s.clone()),
        Tok::Int(n) | Tok::Char(n) => Arg::Int(*n),
        Tok::Float(f) => Arg::Float(*f),
        Tok::Ident(word) => match word.as_str() {
            "true" => Arg::Bool(true),
            "false" => Arg::Bool(false),
            "nil" => Arg::Nil,
            _ => Arg::Func(word.clone()),
        },
        Tok::LParen => {
            let mut depth = 1;
            let mut end = next;
            while end < tokens.len() {
                match tokens[end].0 {
                    Tok::LParen => depth += 1,
                    Tok::RParen => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                end += 1;
            }
            if end >= tokens.len() {
                return error("unclosed left paren", *at);
            }
            let inner = pipeline(&tokens[next..end], *at)?;
            next = end + 1;
            let fields = chain(&mut next);
            Arg::Sub(Box::new(inner), fields)
        }
        other => return error(format!("unexpected {other:?} in operand"), *at),
    };
    Ok((arg, next))
}

/// Every function name a template calls, with where (for "function not defined").
pub fn functions(body: &Body, out: &mut Vec<(String, usize)>) {
    fn pipe_functions(pipe: &Pipe, at: usize, out: &mut Vec<(String, usize)>) {
        for command in &pipe.commands {
            for arg in command {
                match arg {
                    Arg::Func(name) => out.push((name.clone(), at)),
                    Arg::Sub(inner, _) => pipe_functions(inner, at, out),
                    _ => {}
                }
            }
        }
    }
    for node in body {
        match node {
            Node::Text { .. } | Node::Break | Node::Continue => {}
            Node::Action { pipe, at } => pipe_functions(pipe, at.start, out),
            Node::Template { pipe, at, .. } => {
                if let Some(pipe) = pipe {
                    pipe_functions(pipe, at.start, out);
                }
            }
            Node::If {
                branches,
                otherwise,
                at,
            } => {
                for (pipe, body) in branches {
                    pipe_functions(pipe, at.start, out);
                    functions(body, out);
                }
                if let Some(body) = otherwise {
                    functions(body, out);
                }
            }
            Node::Range {
                pipe,
                body,
                otherwise,
                at,
            }
            | Node::With {
                pipe,
                body,
                otherwise,
                at,
            } => {
                pipe_functions(pipe, at.start, out);
                functions(body, out);
                if let Some(body) = otherwise {
                    functions(body, out);
                }
            }
        }
    }
}
