//! Source files and byte spans.
//!
//! Every diagnostic and every IR field that can be wrong points back here. Offsets are bytes
//! into the file text; line and column are computed on demand (columns count characters, as
//! editors and the JSON report contract expect).

use std::fmt;
use std::ops::Range;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A half-open byte range in one file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span start {start} after end {end}");
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// An empty span at `offset`.
    pub fn point(file: FileId, offset: usize) -> Span {
        Span::new(file, offset, offset)
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both (same file assumed).
    pub fn join(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// A sub-span of this one, given a range relative to its start. Used to point inside a
    /// scalar, e.g. at the bad character of a route condition. (Named for "sub-span"; it is
    /// not arithmetic, so `std::ops::Sub` does not apply.)
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, relative: Range<usize>) -> Span {
        let start = (self.start as usize + relative.start).min(self.end as usize);
        let end = (self.start as usize + relative.end).clamp(start, self.end as usize);
        Span::new(self.file, start, end)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}..{}", self.file.0, self.start, self.end)
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as discovery produced it); shown in reports.
    pub path: String,
    pub text: String,
    line_starts: Vec<u32>,
}

/// 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    fn new(path: String, text: String) -> SourceFile {
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// Line and column (both 1-based, column in characters) of a byte offset. Offsets inside a
    /// multi-byte character count as that character. The end of a text that ends with a line
    /// break is the end of its last line, not the start of a line that does not exist.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp_to_last_line(offset.min(self.text.len()));
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        LineCol {
            line: line + 1,
            column: self.text[start..end].chars().count() + 1,
        }
    }

    /// `offset`, or, when it is the very end of a text ending with a line break, the end of the
    /// last line (before its `\n` or `\r\n`).
    pub fn clamp_to_last_line(&self, offset: usize) -> usize {
        if offset < self.text.len() || !self.text.ends_with('\n') {
            return offset;
        }
        let body = &self.text[..self.text.len() - 1];
        body.strip_suffix('\r').unwrap_or(body).len()
    }

    /// `span` with both ends moved off the phantom line after a final line break.
    pub fn clamp_span(&self, span: Span) -> Span {
        let start = self.clamp_to_last_line(span.start as usize);
        let end = self.clamp_to_last_line(span.end as usize).max(start);
        Span::new(span.file, start, end)
    }

    pub fn slice(&self, span: Span) -> &str {
        let r = span.range();
        self.text.get(r).unwrap_or("")
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files of one run. Files are only added, never removed, so `FileId`s stay valid.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile::new(path.into(), text.into()));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The file, or `None` for an id this map never issued.
    pub fn try_get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn find(&self, path: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> {
        (0..self.files.len() as u32).map(FileId)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).slice(span)
    }

    /// Moves `other`'s files to the end of this map; returns what to add to their ids.
    pub fn append(&mut self, other: SourceMap) -> u32 {
        let shift = self.files.len() as u32;
        self.files.extend(other.files);
        shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let mut map = SourceMap::new();
        let id = map.add("a.yaml", "a: 1\nnäme: x\n");
        let file = map.get(id);
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 1 });
        // "näme: x": the x is at byte 12 (the umlaut takes two bytes), character column 7
        assert_eq!(file.line_col(12), LineCol { line: 2, column: 7 });
        assert_eq!(file.slice(Span::new(id, 12, 13)), "x");
    }

    #[test]
    fn the_end_of_a_text_with_a_final_newline_is_on_its_last_line() {
        let mut map = SourceMap::new();
        let id = map.add("a.yaml", "a: [1, 2\n");
        let file = map.get(id);
        assert_eq!(file.line_col(9), LineCol { line: 1, column: 9 });
        assert_eq!(file.line_col(8), LineCol { line: 1, column: 9 });
        let crlf = map.add("b.yaml", "ab\r\n");
        assert_eq!(map.get(crlf).line_col(4), LineCol { line: 1, column: 3 });
        let none = map.add("c.yaml", "ab");
        assert_eq!(map.get(none).line_col(2), LineCol { line: 1, column: 3 });
        // A blank last line is a real line.
        let blank = map.add("d.yaml", "a\n\n");
        assert_eq!(map.get(blank).line_col(3), LineCol { line: 2, column: 1 });
        assert_eq!(
            map.get(id).clamp_span(Span::point(id, 9)),
            Span::point(id, 8)
        );
    }

    #[test]
    fn sub_span_is_clamped_to_parent() {
        let s = Span::new(FileId(0), 10, 20);
        assert_eq!(s.sub(2..4), Span::new(FileId(0), 12, 14));
        assert_eq!(s.sub(5..50), Span::new(FileId(0), 15, 20));
    }
}
