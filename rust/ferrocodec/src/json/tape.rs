//! Scanned documents kept as a list of events, to be turned into values
//! later by any [`Visitor`].
//!
//! Scanning and building are then two steps that can run on different
//! threads: the scan needs no interpreter, so batches of documents (JSON
//! Lines) are scanned on a worker while the calling thread builds the values
//! of the documents already scanned. [`Tape::replay`] calls the visitor
//! exactly as [`Scanner::document`] would on the same text: the same methods,
//! with the same arguments, in the same order (`enter` and `leave` around
//! every container included).
//!
//! A tape holds one document or several (the lines of a chunk of JSON
//! Lines, in one set of buffers). It only records documents that scan
//! without error. A syntax error (or nesting deeper than the tape's limit) is
//! reported, the document is kept with no events, and the caller reads it
//! directly, so that the visitor's own errors before that point (failing
//! hooks, recursion limits) keep their order.

use super::number::{scan_number, Number};
use super::scan::{Constant, Container, Scanner, Str, Visitor};
use super::SyntaxError;
use thiserror::Error;

/// Why a document has no tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum TapeError {
    #[error("{0}")]
    Syntax(SyntaxError),
    /// Deeper than the limit given to [`Tape::scan`].
    #[error("nested deeper than {0} containers")]
    TooDeep(usize),
}

impl From<SyntaxError> for TapeError {
    fn from(e: SyntaxError) -> Self {
        TapeError::Syntax(e)
    }
}

/// Where a string's decoded bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// `data[start..start + len]`: a string without escapes.
    Input,
    /// `arena[start..start + len]`: a decoded string with escapes.
    Arena,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Null,
    Bool(bool),
    Constant(Constant),
    /// Where the number starts; replay reads it again.
    Number {
        start: usize,
    },
    Str {
        key: bool,
        place: Place,
        start: usize,
        len: usize,
        ascii: bool,
        surrogates: bool,
    },
    ArrayStart,
    ArrayEnd,
    ObjectStart,
    ObjectEnd,
}

/// The events of documents scanned one after another.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    events: Vec<Event>,
    /// Decoded strings that had escapes.
    arena: Vec<u8>,
    /// Where each document's events end (the next one's start there). A
    /// document that failed to scan has none.
    ends: Vec<usize>,
    /// The scanner's buffer, kept for the next [`Tape::scan_into`].
    scratch: Vec<u8>,
}

impl Tape {
    /// Scans `data` as [`Scanner::document`] does (`strict` and
    /// `input_surrogates` as for [`Scanner::new`]). Containers nested deeper
    /// than `max_depth` stop the scan with [`TapeError::TooDeep`].
    pub fn scan(
        data: &[u8],
        strict: bool,
        input_surrogates: bool,
        max_depth: usize,
    ) -> Result<Tape, TapeError> {
        let mut tape = Tape::default();
        tape.scan_into(data, strict, input_surrogates, max_depth)?;
        Ok(tape)
    }

    /// [`Tape::scan`] into this tape, reusing its buffers (for scanning many
    /// documents without an allocation each). On error the tape is empty.
    pub fn scan_into(
        &mut self,
        data: &[u8],
        strict: bool,
        input_surrogates: bool,
        max_depth: usize,
    ) -> Result<(), TapeError> {
        self.clear();
        self.push(data, strict, input_surrogates, max_depth)
    }

    /// Forgets every document, keeping the buffers.
    pub fn clear(&mut self) {
        self.events.clear();
        self.arena.clear();
        self.ends.clear();
    }

    /// Scans one more document after those already on the tape, as
    /// [`Tape::scan`] does; it is document number [`Tape::documents`] − 1.
    /// On error the document is kept with no events (see [`Tape::scanned`]).
    pub fn push(
        &mut self,
        data: &[u8],
        strict: bool,
        input_surrogates: bool,
        max_depth: usize,
    ) -> Result<(), TapeError> {
        let (events, arena) = (self.events.len(), self.arena.len());
        let scratch = std::mem::take(&mut self.scratch);
        let mut recorder = Recorder {
            data,
            tape: self,
            depth: 0,
            max_depth,
        };
        let mut scanner = Scanner::with_scratch(data, strict, input_surrogates, scratch);
        let r = scanner.document(&mut recorder);
        self.scratch = scanner.into_scratch();
        if r.is_err() {
            self.events.truncate(events);
            self.arena.truncate(arena);
        }
        self.ends.push(self.events.len());
        r
    }

    /// Number of events of all documents (for tests and size estimates).
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Records a document that was not scanned (it has no events), to keep
    /// the tape's document numbers in step with a list of inputs.
    pub fn skip(&mut self) {
        self.ends.push(self.events.len());
    }

    /// The memory the tape's buffers hold, in bytes (for deciding whether
    /// to keep it for reuse).
    pub fn heap_bytes(&self) -> usize {
        self.events.capacity() * std::mem::size_of::<Event>()
            + self.arena.capacity()
            + self.ends.capacity() * std::mem::size_of::<usize>()
            + self.scratch.capacity()
    }

    /// Number of documents scanned onto the tape, failed ones included.
    pub fn documents(&self) -> usize {
        self.ends.len()
    }

    /// The events of document `index`.
    fn document(&self, index: usize) -> &[Event] {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.events[start..self.ends[index]]
    }

    /// Whether document `index` scanned without error (and can be replayed).
    pub fn scanned(&self, index: usize) -> bool {
        index < self.ends.len() && !self.document(index).is_empty()
    }

    /// Gives `v` the first document, scanned from `data` (the same bytes
    /// given to [`Tape::scan`]), as the scanner would have.
    ///
    /// # Panics
    /// If the tape has no document that scanned without error.
    pub fn replay<V: Visitor>(&self, data: &[u8], v: &mut V) -> Result<V::Value, V::Error> {
        self.replay_document(0, data, v)
    }

    /// [`Tape::replay`] of document `index`, scanned from `data`.
    ///
    /// # Panics
    /// If that document is not on the tape or did not scan ([`Tape::scanned`]).
    pub fn replay_document<V: Visitor>(
        &self,
        index: usize,
        data: &[u8],
        v: &mut V,
    ) -> Result<V::Value, V::Error> {
        assert!(self.scanned(index), "document {index} has no events");
        let mut stack: Vec<Frame<V>> = Vec::new();
        let r = self.replay_into(self.document(index), data, v, &mut stack);
        if r.is_err() {
            // The scanner leaves every container it was reading.
            for _ in 0..stack.len() {
                v.leave();
            }
        }
        r
    }

    fn replay_into<V: Visitor>(
        &self,
        events: &[Event],
        data: &[u8],
        v: &mut V,
        stack: &mut Vec<Frame<V>>,
    ) -> Result<V::Value, V::Error> {
        for event in events {
            let value = match *event {
                Event::Null => v.null()?,
                Event::Bool(b) => v.boolean(b)?,
                Event::Constant(c) => v.constant(c)?,
                // Read again from the input: the same token, the same value.
                Event::Number { start } => v.number(scan_number(data, start)?.1)?,
                Event::Str {
                    key,
                    place,
                    start,
                    len,
                    ascii,
                    surrogates,
                } => {
                    let bytes = match place {
                        Place::Input => &data[start..start + len],
                        Place::Arena => &self.arena[start..start + len],
                    };
                    let s = Str {
                        bytes,
                        ascii,
                        surrogates,
                    };
                    if key {
                        let k = v.key(s)?;
                        match stack.last_mut() {
                            Some(Frame::Object(_, pending)) => *pending = Some(k),
                            _ => unreachable!("a key outside an object"),
                        }
                        continue;
                    }
                    v.string(s)?
                }
                Event::ArrayStart => {
                    v.enter(Container::Array)?;
                    match v.array_start() {
                        Ok(a) => stack.push(Frame::Array(a)),
                        Err(e) => {
                            v.leave();
                            return Err(e);
                        }
                    }
                    continue;
                }
                Event::ObjectStart => {
                    v.enter(Container::Object)?;
                    match v.object_start() {
                        Ok(o) => stack.push(Frame::Object(o, None)),
                        Err(e) => {
                            v.leave();
                            return Err(e);
                        }
                    }
                    continue;
                }
                Event::ArrayEnd => {
                    let Some(Frame::Array(a)) = stack.pop() else {
                        unreachable!("unbalanced tape")
                    };
                    let r = v.array_end(a);
                    v.leave();
                    r?
                }
                Event::ObjectEnd => {
                    let Some(Frame::Object(o, _)) = stack.pop() else {
                        unreachable!("unbalanced tape")
                    };
                    let r = v.object_end(o);
                    v.leave();
                    r?
                }
            };
            match stack.last_mut() {
                None => return Ok(value),
                Some(Frame::Array(a)) => v.array_push(a, value)?,
                Some(Frame::Object(o, pending)) => {
                    let key = pending.take().expect("a value without its key");
                    v.object_insert(o, key, value)?
                }
            }
        }
        unreachable!("a tape holds one complete value")
    }
}

/// A container being rebuilt, with an object's key waiting for its value.
enum Frame<V: Visitor> {
    Array(V::Array),
    Object(V::Object, Option<V::Key>),
}

/// The visitor that writes a tape.
struct Recorder<'a> {
    data: &'a [u8],
    tape: &'a mut Tape,
    depth: usize,
    max_depth: usize,
}

impl Recorder<'_> {
    fn string(&mut self, s: Str<'_>, key: bool) {
        let p = s.bytes.as_ptr() as usize;
        let base = self.data.as_ptr() as usize;
        let len = s.bytes.len();
        // Strings without escapes are slices of the input; the others come
        // from the scanner's scratch buffer and are copied.
        let (place, start) = if p >= base && p + len <= base + self.data.len() {
            (Place::Input, p - base)
        } else {
            let start = self.tape.arena.len();
            self.tape.arena.extend_from_slice(s.bytes);
            (Place::Arena, start)
        };
        self.tape.events.push(Event::Str {
            key,
            place,
            start,
            len,
            ascii: s.ascii,
            surrogates: s.surrogates,
        });
    }
}

impl Visitor for Recorder<'_> {
    type Value = ();
    type Key = ();
    type Array = ();
    type Object = ();
    type Error = TapeError;

    fn null(&mut self) -> Result<(), TapeError> {
        self.tape.events.push(Event::Null);
        Ok(())
    }
    fn boolean(&mut self, value: bool) -> Result<(), TapeError> {
        self.tape.events.push(Event::Bool(value));
        Ok(())
    }
    fn constant(&mut self, constant: Constant) -> Result<(), TapeError> {
        self.tape.events.push(Event::Constant(constant));
        Ok(())
    }
    fn number(&mut self, number: Number<'_>) -> Result<(), TapeError> {
        // Numbers are always slices of the input.
        let start = number.text.as_ptr() as usize - self.data.as_ptr() as usize;
        self.tape.events.push(Event::Number { start });
        Ok(())
    }
    fn string(&mut self, s: Str<'_>) -> Result<(), TapeError> {
        Recorder::string(self, s, false);
        Ok(())
    }
    fn key(&mut self, s: Str<'_>) -> Result<(), TapeError> {
        Recorder::string(self, s, true);
        Ok(())
    }
    fn enter(&mut self, _: Container) -> Result<(), TapeError> {
        if self.depth == self.max_depth {
            return Err(TapeError::TooDeep(self.max_depth));
        }
        self.depth += 1;
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }
    fn array_start(&mut self) -> Result<(), TapeError> {
        self.tape.events.push(Event::ArrayStart);
        Ok(())
    }
    fn array_push(&mut self, _: &mut (), _: ()) -> Result<(), TapeError> {
        Ok(())
    }
    fn array_end(&mut self, _: ()) -> Result<(), TapeError> {
        self.tape.events.push(Event::ArrayEnd);
        Ok(())
    }
    fn object_start(&mut self) -> Result<(), TapeError> {
        self.tape.events.push(Event::ObjectStart);
        Ok(())
    }
    fn object_insert(&mut self, _: &mut (), _: (), _: ()) -> Result<(), TapeError> {
        Ok(())
    }
    fn object_end(&mut self, _: ()) -> Result<(), TapeError> {
        self.tape.events.push(Event::ObjectEnd);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes down every visitor call, for comparing replay with a direct scan.
    #[derive(Default)]
    struct Log {
        calls: Vec<String>,
        /// Fail at this call number (a visitor error half-way).
        fail_at: Option<usize>,
    }

    impl Log {
        fn note(&mut self, call: String) -> Result<(), Fail> {
            self.calls.push(call);
            if self.fail_at == Some(self.calls.len()) {
                return Err(Fail::Visitor);
            }
            Ok(())
        }
    }

    #[derive(Debug, PartialEq)]
    enum Fail {
        Syntax(SyntaxError),
        Visitor,
    }

    impl From<SyntaxError> for Fail {
        fn from(e: SyntaxError) -> Self {
            Fail::Syntax(e)
        }
    }

    impl Visitor for Log {
        type Value = ();
        type Key = ();
        type Array = ();
        type Object = ();
        type Error = Fail;
        fn null(&mut self) -> Result<(), Fail> {
            self.note("null".into())
        }
        fn boolean(&mut self, b: bool) -> Result<(), Fail> {
            self.note(format!("bool {b}"))
        }
        fn constant(&mut self, c: Constant) -> Result<(), Fail> {
            self.note(format!("const {}", c.text()))
        }
        fn number(&mut self, n: Number<'_>) -> Result<(), Fail> {
            let (t, f, v) = (n.text, n.is_float, n.value);
            self.note(format!("num {} {f} {v:?}", String::from_utf8_lossy(t)))
        }
        fn string(&mut self, s: Str<'_>) -> Result<(), Fail> {
            self.note(format!("str {:?} {} {}", s.bytes, s.ascii, s.surrogates))
        }
        fn key(&mut self, s: Str<'_>) -> Result<(), Fail> {
            self.note(format!("key {:?} {} {}", s.bytes, s.ascii, s.surrogates))
        }
        fn enter(&mut self, c: Container) -> Result<(), Fail> {
            self.note(format!("enter {c:?}"))
        }
        fn leave(&mut self) {
            self.calls.push("leave".into());
        }
        fn array_start(&mut self) -> Result<(), Fail> {
            self.note("[".into())
        }
        fn array_push(&mut self, _: &mut (), _: ()) -> Result<(), Fail> {
            self.note("push".into())
        }
        fn array_end(&mut self, _: ()) -> Result<(), Fail> {
            self.note("]".into())
        }
        fn object_start(&mut self) -> Result<(), Fail> {
            self.note("{".into())
        }
        fn object_insert(&mut self, _: &mut (), _: (), _: ()) -> Result<(), Fail> {
            self.note("insert".into())
        }
        fn object_end(&mut self, _: ()) -> Result<(), Fail> {
            self.note("}".into())
        }
    }

    const DOCS: &[&str] = &[
        "1",
        " \"x\" ",
        "[]",
        "{}",
        r#"{"a": [1, 2.5, -3e4, true, false, null, NaN, Infinity, -Infinity], "b\n": {"c": "d\u00e9\ud800"}}"#,
        r#"[[[[]]], {"k": {"k": [{}]}}, "caf\u00e9 ÿ", "\"\\\/\b\f\n\r\t"]"#,
        r#"{"a": 1, "a": 2, "": ""}"#,
    ];

    fn direct(doc: &[u8], fail_at: Option<usize>) -> (Vec<String>, Result<(), Fail>) {
        let mut log = Log {
            fail_at,
            ..Log::default()
        };
        let r = Scanner::new(doc, true, false).document(&mut log);
        (log.calls, r)
    }

    fn replayed(doc: &[u8], fail_at: Option<usize>) -> (Vec<String>, Result<(), Fail>) {
        let tape = Tape::scan(doc, true, false, 100).unwrap();
        let mut log = Log {
            fail_at,
            ..Log::default()
        };
        let r = tape.replay(doc, &mut log);
        (log.calls, r)
    }

    #[test]
    fn replay_makes_the_calls_of_a_direct_scan() {
        for doc in DOCS {
            let (calls, r) = direct(doc.as_bytes(), None);
            assert!(r.is_ok(), "{doc}");
            assert_eq!(replayed(doc.as_bytes(), None), (calls, Ok(())), "{doc}");
        }
    }

    #[test]
    fn a_visitor_error_at_any_call_stops_both_alike() {
        for doc in DOCS {
            let (all, _) = direct(doc.as_bytes(), None);
            for n in 1..=all.len() {
                assert_eq!(
                    replayed(doc.as_bytes(), Some(n)),
                    direct(doc.as_bytes(), Some(n)),
                    "{doc} failing at call {n}"
                );
            }
        }
    }

    #[test]
    fn a_reused_tape_replays_each_document() {
        let mut tape = Tape::default();
        for doc in DOCS.iter().chain(&["[1, 2", "\"\\u00e9\\n\""]) {
            let r = tape.scan_into(doc.as_bytes(), true, false, 100);
            if r.is_err() {
                assert!(tape.is_empty());
                continue;
            }
            let mut log = Log::default();
            tape.replay(doc.as_bytes(), &mut log).unwrap();
            assert_eq!(log.calls, direct(doc.as_bytes(), None).0, "{doc}");
        }
    }

    #[test]
    fn documents_pushed_on_one_tape_replay_alone() {
        let docs: Vec<&str> = DOCS
            .iter()
            .copied()
            .chain(["[1, 2", "[[[]]]", "\"\\u00e9\\n\""])
            .collect();
        let mut tape = Tape::default();
        for doc in &docs {
            let r = tape.push(doc.as_bytes(), true, false, 2);
            assert_eq!(r.is_ok(), tape.scanned(tape.documents() - 1), "{doc}");
        }
        assert_eq!(tape.documents(), docs.len());
        for (i, doc) in docs.iter().enumerate() {
            let (calls, r) = direct(doc.as_bytes(), None);
            let deep = doc.starts_with("[[[") || doc.contains("[[[[");
            assert_eq!(tape.scanned(i), r.is_ok() && !deep, "{doc}");
            if tape.scanned(i) {
                let mut log = Log::default();
                tape.replay_document(i, doc.as_bytes(), &mut log).unwrap();
                assert_eq!(log.calls, calls, "{doc}");
            }
        }
        assert!(!tape.scanned(docs.len()));
        tape.skip();
        assert_eq!(tape.documents(), docs.len() + 1);
        assert!(!tape.scanned(docs.len()));
        tape.clear();
        assert_eq!((tape.documents(), tape.len()), (0, 0));
    }

    #[test]
    fn syntax_errors_and_depth_give_no_tape() {
        let e = Tape::scan(b"[1, 2", true, false, 10).unwrap_err();
        assert!(matches!(e, TapeError::Syntax(_)));
        assert_eq!(
            Tape::scan(b"\"a\x01\"", false, false, 10).map(|t| t.len()),
            Ok(1)
        );
        assert!(Tape::scan(b"\"a\x01\"", true, false, 10).is_err());
        assert_eq!(
            Tape::scan(b"[[[]]]", true, false, 2).unwrap_err(),
            TapeError::TooDeep(2)
        );
        assert!(Tape::scan(b"[[[]]]", true, false, 3).is_ok());
    }
}
