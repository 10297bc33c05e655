//! The scanner on any bytes, strict or not: no panic, and on success the
//! visitor saw balanced containers and a position inside the input.
#![no_main]

use ferrocodec::json::scan::{Constant, Container, Number, Scanner, Str, Visitor};
use ferrocodec::json::SyntaxError;
use libfuzzer_sys::fuzz_target;

/// Counts what it is given; refuses nesting deeper than 200 (the binding's
/// visitor raises RecursionError there).
struct Counter {
    depth: usize,
    values: usize,
}

#[derive(Debug)]
enum Error {
    Syntax(#[allow(dead_code)] SyntaxError),
    TooDeep,
}

impl From<SyntaxError> for Error {
    fn from(e: SyntaxError) -> Self {
        Error::Syntax(e)
    }
}

impl Visitor for Counter {
    type Value = ();
    type Key = ();
    type Array = ();
    type Object = ();
    type Error = Error;

    fn null(&mut self) -> Result<(), Error> {
        self.values += 1;
        Ok(())
    }
    fn boolean(&mut self, _: bool) -> Result<(), Error> {
        self.values += 1;
        Ok(())
    }
    fn constant(&mut self, _: Constant) -> Result<(), Error> {
        self.values += 1;
        Ok(())
    }
    fn number(&mut self, n: Number<'_>) -> Result<(), Error> {
        assert!(!n.text.is_empty());
        if n.is_float {
            // The scanner's value is the correctly rounded one.
            let want: f64 = std::str::from_utf8(n.text).unwrap().parse().unwrap();
            assert_eq!(n.to_f64().to_bits(), want.to_bits());
        }
        self.values += 1;
        Ok(())
    }
    fn string(&mut self, s: Str<'_>) -> Result<(), Error> {
        assert!(!s.ascii || s.bytes.is_ascii());
        self.values += 1;
        Ok(())
    }
    fn key(&mut self, s: Str<'_>) -> Result<(), Error> {
        assert!(!s.ascii || s.bytes.is_ascii());
        Ok(())
    }
    fn enter(&mut self, _: Container) -> Result<(), Error> {
        if self.depth == 200 {
            return Err(Error::TooDeep);
        }
        self.depth += 1;
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }
    fn array_start(&mut self) -> Result<(), Error> {
        Ok(())
    }
    fn array_push(&mut self, _: &mut (), _: ()) -> Result<(), Error> {
        Ok(())
    }
    fn array_end(&mut self, _: ()) -> Result<(), Error> {
        self.values += 1;
        Ok(())
    }
    fn object_start(&mut self) -> Result<(), Error> {
        Ok(())
    }
    fn object_insert(&mut self, _: &mut (), _: (), _: ()) -> Result<(), Error> {
        Ok(())
    }
    fn object_end(&mut self, _: ()) -> Result<(), Error> {
        self.values += 1;
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    for strict in [true, false] {
        let mut v = Counter {
            depth: 0,
            values: 0,
        };
        let result = Scanner::new(data, strict, false).document(&mut v);
        assert_eq!(v.depth, 0, "enter/leave unbalanced");
        if result.is_ok() {
            assert!(v.values >= 1);
        }
    }
});
