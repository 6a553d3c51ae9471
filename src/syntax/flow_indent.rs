//! A repair for one YAML indentation slip that YAML 1.1 loaders (SnakeYAML, PyYAML) accept and
//! saphyr, following YAML 1.2, rejects: a multi-line flow collection whose continuation lines,
//! often just the closing bracket, are not indented past the block line that opened it.
//!
//! ```yaml
//! virtual_hosts: [
//!   "a.b.c"
//! ]
//! ```
//!
//! The YAML reader tries it only after saphyr failed with an indentation error. Spaces are
//! inserted at line starts, so every offset in the repaired text maps back to the original.
//! [`Repaired`] also serves the reader's other repair, a space after the `:` of `{key:[...]}`.

/// A text with spaces inserted, and the way back to the original offsets.
pub(crate) struct Repaired {
    pub text: String,
    /// Insertions in text order.
    insertions: Vec<Insertion>,
}

struct Insertion {
    /// Offset of the line start in the original text.
    original: usize,
    /// Offset of the inserted spaces in the repaired text.
    repaired: usize,
    count: usize,
}

impl Repaired {
    /// The text with `count` spaces inserted at each original offset of `insertions` (sorted by
    /// offset; offsets must be character boundaries).
    pub fn new(original: &str, insertions: &[(usize, usize)]) -> Option<Repaired> {
        let total: usize = insertions.iter().map(|&(_, count)| count).sum();
        let mut text = String::with_capacity(original.len() + total);
        let mut placed = Vec::with_capacity(insertions.len());
        let mut copied = 0;
        for &(at, count) in insertions {
            text.push_str(original.get(copied..at)?);
            placed.push(Insertion {
                original: at,
                repaired: text.len(),
                count,
            });
            text.extend(std::iter::repeat_n(' ', count));
            copied = at;
        }
        text.push_str(original.get(copied..)?);
        Some(Repaired {
            text,
            insertions: placed,
        })
    }

    /// Maps an offset in the repaired text back to the original text. An offset inside the
    /// inserted spaces maps to where they were inserted. Binary search: it runs once per event.
    pub fn original(&self, repaired: usize) -> usize {
        let before = self.insertions.partition_point(|i| i.repaired <= repaired);
        let Some(last) = before.checked_sub(1).and_then(|i| self.insertions.get(i)) else {
            return repaired;
        };
        if repaired < last.repaired + last.count {
            last.original
        } else {
            // Everything inserted up to and including `last` lies before `repaired`.
            repaired - (last.repaired + last.count - last.original)
        }
    }
}

/// Where the under-indented continuation lines of flow collections that start in block
/// context need spaces: (line start, spaces) in text order; `None` when there are none.
pub(crate) fn indent_flow_continuations(text: &str) -> Option<Vec<(usize, usize)>> {
    let mut scanner = Scanner::default();
    let mut insertions = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(count) = scanner.line(line) {
            insertions.push((line_start, count));
        }
        line_start += line.len();
    }
    (!insertions.is_empty()).then_some(insertions)
}

/// A rough YAML lexer: enough to know where flow collections, quoted scalars, comments and
/// block scalars are. It only decides where spaces are added before a second parse.
#[derive(Default)]
struct Scanner {
    flow_depth: usize,
    /// Indentation of the block line that opened the outermost flow collection.
    flow_base: usize,
    quote: Option<char>,
    /// Indentation of the block line that opened a quoted scalar outside any flow collection.
    quote_base: usize,
    /// Indentation of the line that introduced a block scalar (`|`, `>`) being skipped.
    block_scalar_parent: Option<usize>,
    /// Whether the next token starts a node (so `[`, `{` or a quote open one).
    expect_node: bool,
}

impl Scanner {
    /// Reads one line (with its newline); returns how many spaces it needs in front.
    fn line(&mut self, line: &str) -> Option<usize> {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start_matches(' ').len();
        let blank = content.trim().is_empty();

        if let Some(parent) = self.block_scalar_parent {
            if blank || indent > parent {
                return None;
            }
            self.block_scalar_parent = None;
        }
        let needed = if self.flow_depth > 0 {
            (!blank && indent <= self.flow_base).then(|| self.flow_base + 1 - indent)
        } else {
            // A multi-line quoted scalar in block context: PyYAML and SnakeYAML take its
            // continuation lines at any indentation.
            (self.quote.is_some() && !blank && indent <= self.quote_base)
                .then(|| self.quote_base + 1 - indent)
        };
        if self.flow_depth == 0 {
            self.expect_node = true;
        }
        self.scan(content, indent);
        needed
    }

    fn scan(&mut self, content: &str, indent: usize) {
        let chars: Vec<char> = content.chars().collect();
        let mut i = 0;
        let mut previous_blank = true;
        while let Some(&c) = chars.get(i) {
            let next = chars.get(i + 1).copied();
            let next_blank = next.is_none_or(|n| n == ' ' || n == '\t');
            i += 1;
            if let Some(quote) = self.quote {
                if quote == '"' && c == '\\' {
                    i += 1;
                } else if c == quote {
                    if quote == '\'' && next == Some('\'') {
                        i += 1;
                    } else {
                        self.quote = None;
                        self.expect_node = false;
                    }
                }
                previous_blank = false;
                continue;
            }
            let in_flow = self.flow_depth > 0;
            match c {
                ' ' | '\t' => {
                    previous_blank = true;
                    continue;
                }
                '#' if previous_blank => return,
                '"' | '\'' if self.expect_node => {
                    if !in_flow {
                        self.quote_base = indent;
                    }
                    self.quote = Some(c);
                }
                '[' | '{' if self.expect_node => {
                    if !in_flow {
                        self.flow_base = indent;
                    }
                    self.flow_depth += 1;
                }
                ']' | '}' if in_flow => {
                    self.flow_depth -= 1;
                    self.expect_node = false;
                }
                ',' if in_flow => self.expect_node = true,
                ':' if in_flow || next_blank => self.expect_node = true,
                '-' | '?' if !in_flow && next_blank && self.expect_node => {}
                '|' | '>' if !in_flow && self.expect_node => {
                    self.block_scalar_parent = Some(indent);
                    return;
                }
                '&' | '!' | '*' if self.expect_node => {
                    // An anchor, tag or alias: skip its name. An alias is a whole node.
                    while chars
                        .get(i)
                        .is_some_and(|n| !matches!(n, ' ' | '\t' | ',' | ']' | '}'))
                    {
                        i += 1;
                    }
                    self.expect_node = c != '*';
                }
                _ => self.expect_node = false,
            }
            previous_blank = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(text: &str) -> Option<Repaired> {
        Repaired::new(text, &indent_flow_continuations(text)?)
    }

    #[test]
    fn closing_bracket_at_the_key_column_is_indented() {
        let text = "hosts: [\n  \"a\",\n  \"b\"\n]\nnext: [x]\n";
        let repaired = repair(text).expect("a repair");
        assert_eq!(
            repaired.text,
            "hosts: [\n  \"a\",\n  \"b\"\n ]\nnext: [x]\n"
        );
        let bracket = text.find(']').unwrap();
        assert_eq!(repaired.original(bracket + 1), bracket);
        assert_eq!(repaired.original(bracket), bracket);
        assert_eq!(repaired.original(bracket - 1), bracket - 1);
        let next = text.find("next").unwrap();
        assert_eq!(repaired.original(next + 1), next);
        assert_eq!(repaired.original(0), 0);
    }

    #[test]
    fn offsets_map_back_across_many_insertions() {
        let text = "a: [\n1,\n  2,\n3\n]\n";
        let repaired = repair(text).expect("a repair");
        assert_eq!(repaired.text, "a: [\n 1,\n  2,\n 3\n ]\n");
        for (original, c) in text.char_indices().filter(|(_, c)| !c.is_whitespace()) {
            // The n-th occurrence of a character maps back to its n-th occurrence.
            let nth = text[..original].matches(c).count();
            let (in_repaired, _) = repaired.text.match_indices(c).nth(nth).unwrap();
            assert_eq!(repaired.original(in_repaired), original, "{c:?}");
        }
    }

    #[test]
    fn quoted_scalar_continuations_at_the_key_column_are_indented() {
        let text = "a:\n  d: 'one\n  two'\n  e: 1\n";
        let repaired = repair(text).expect("a repair");
        assert_eq!(repaired.text, "a:\n  d: 'one\n   two'\n  e: 1\n");
    }

    #[test]
    fn nested_blocks_use_the_opening_line_indentation() {
        let text = "a:\n  hosts: [\n    x\n  ]\n  more: 1\n";
        let repaired = repair(text).expect("a repair");
        assert_eq!(repaired.text, "a:\n  hosts: [\n    x\n   ]\n  more: 1\n");
    }

    #[test]
    fn brackets_in_scalars_comments_and_block_scalars_are_ignored() {
        let text = "a: x [y\nb: 'it''s [' # [\nc: |\n  [\nd: \"[\\\"\"\n";
        assert!(repair(text).is_none());
    }
}
