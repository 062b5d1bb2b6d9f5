//! Counting a GraphQL document's lexical tokens with the lexer rules of the specification
//! (October 2021, section 2.1), without parsing it, so an oversized document is refused after
//! reading at most `limit + 1` tokens. Block strings, escapes and Unicode are lexed exactly as the
//! parser reads them: a document cannot hide tokens inside what the counter takes for a string.

/// Whether `document` has more than `limit` tokens; reads no further than the token past it.
pub fn exceeds(document: &str, limit: usize) -> bool {
    Tokens::new(document).nth(limit).is_some()
}

/// The number of tokens in `document`.
pub fn count(document: &str) -> usize {
    Tokens::new(document).count()
}

/// The lexical tokens of a document: punctuators, names, numbers and strings. A character the
/// grammar does not allow counts as one token (the parser refuses the document anyway), and an
/// unterminated string runs to the end of the document, so every input is read in one pass.
struct Tokens<'a> {
    rest: &'a [u8],
}

impl<'a> Tokens<'a> {
    fn new(document: &'a str) -> Self {
        Self {
            rest: document.as_bytes(),
        }
    }

    fn advance(&mut self, bytes: usize) {
        self.rest = &self.rest[bytes.min(self.rest.len())..];
    }

    /// Skips white space, line terminators, commas, comments and the byte order mark.
    fn skip_ignored(&mut self) {
        loop {
            match self.rest {
                [b' ' | b'\t' | b'\n' | b'\r' | b',', ..] => self.advance(1),
                [0xEF, 0xBB, 0xBF, ..] => self.advance(3),
                [b'#', ..] => {
                    let end = self
                        .rest
                        .iter()
                        .position(|&b| b == b'\n' || b == b'\r')
                        .unwrap_or(self.rest.len());
                    self.advance(end);
                }
                _ => return,
            }
        }
    }

    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let end = self
            .rest
            .iter()
            .position(|&b| !keep(b))
            .unwrap_or(self.rest.len());
        self.advance(end);
    }

    /// `"…"`: a backslash escapes the next character; a line terminator ends it (unterminated).
    fn skip_string(&mut self) {
        self.advance(1);
        while let Some(&byte) = self.rest.first() {
            match byte {
                b'\\' => self.advance(2),
                b'"' => return self.advance(1),
                b'\n' | b'\r' => return,
                _ => self.advance(1),
            }
        }
    }

    /// `"""…"""`: only `\"""` is an escape; anything else, line terminators included, is text.
    fn skip_block_string(&mut self) {
        self.advance(3);
        while !self.rest.is_empty() {
            if self.rest.starts_with(br#"\""""#) {
                self.advance(4);
            } else if self.rest.starts_with(br#"""""#) {
                return self.advance(3);
            } else {
                self.advance(1);
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, read leniently: the parser judges it.
    fn skip_number(&mut self) {
        if self.rest.first() == Some(&b'-') {
            self.advance(1);
        }
        self.skip_while(|b| b.is_ascii_digit());
        if self.rest.first() == Some(&b'.') {
            self.advance(1);
            self.skip_while(|b| b.is_ascii_digit());
        }
        if let [b'e' | b'E', ..] = self.rest {
            self.advance(1);
            if let [b'+' | b'-', ..] = self.rest {
                self.advance(1);
            }
            self.skip_while(|b| b.is_ascii_digit());
        }
    }

    /// One character the grammar does not know, whole (never half a UTF-8 sequence).
    fn skip_unknown(&mut self) {
        self.advance(1);
        self.skip_while(|b| b & 0xC0 == 0x80);
    }
}

impl Iterator for Tokens<'_> {
    type Item = ();

    fn next(&mut self) -> Option<()> {
        self.skip_ignored();
        match self.rest {
            [] => return None,
            [b'.', b'.', b'.', ..] => self.advance(3),
            [b'"', b'"', b'"', ..] => self.skip_block_string(),
            [b'"', ..] => self.skip_string(),
            [b'-' | b'0'..=b'9', ..] => self.skip_number(),
            [b'_' | b'a'..=b'z' | b'A'..=b'Z', ..] => {
                self.skip_while(|b| b == b'_' || b.is_ascii_alphanumeric())
            }
            [
                b'!' | b'$' | b'&' | b'(' | b')' | b':' | b'=' | b'@' | b'[' | b']' | b'{' | b'|'
                | b'}',
                ..,
            ] => self.advance(1),
            _ => self.skip_unknown(),
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    //! The counter checked against the parser: generated documents whose token count is known by
    //! construction must parse, and the counter must find exactly that many tokens.

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::{count, exceeds};

    /// A document fragment and the number of tokens it holds.
    struct Piece {
        text: String,
        tokens: usize,
    }

    impl Piece {
        fn new(text: impl Into<String>, tokens: usize) -> Self {
            Self {
                text: text.into(),
                tokens,
            }
        }

        fn join(pieces: impl IntoIterator<Item = Piece>, separator: &str) -> Self {
            let mut joined = Piece::new("", 0);
            for (index, piece) in pieces.into_iter().enumerate() {
                if index > 0 {
                    joined.text.push_str(separator);
                }
                joined.text.push_str(&piece.text);
                joined.tokens += piece.tokens;
            }
            joined
        }
    }

    const ODD_TEXT: &[&str] = &[
        "a", "Réunion", "Zoé", "日本", "🎉", "\\\"", "\\\\", "\\n", "\\u00e9", "#", "{", "}",
        "...", "'", " ", ",", "\\/",
    ];
    const ODD_BLOCK_TEXT: &[&str] = &[
        "a",
        "\n",
        "\r\n",
        "\"x",
        "\"\"x",
        "\\\"\"\"",
        "\\",
        "{ } ( )",
        "# not a comment",
        "Zoé",
        "🎉",
        "\\n",
    ];

    fn ignored(rng: &mut StdRng) -> &'static str {
        [
            " ",
            ",",
            "\n",
            "\t",
            " # a comment, with \"quotes\"\n",
            "\r\n",
            ",,  ",
        ][rng.random_range(0..7)]
    }

    fn string(rng: &mut StdRng) -> Piece {
        let mut text = String::from("\"");
        for _ in 0..rng.random_range(0..6) {
            text.push_str(ODD_TEXT[rng.random_range(0..ODD_TEXT.len())]);
        }
        text.push('"');
        Piece::new(text, 1)
    }

    fn block_string(rng: &mut StdRng) -> Piece {
        let mut text = String::from("\"\"\"");
        for _ in 0..rng.random_range(0..6) {
            text.push_str(ODD_BLOCK_TEXT[rng.random_range(0..ODD_BLOCK_TEXT.len())]);
        }
        // A block string may not end with a lone backslash or quote before its closing quotes.
        text.push_str(" \"\"\"");
        Piece::new(text, 1)
    }

    fn value(rng: &mut StdRng, depth: usize) -> Piece {
        match rng.random_range(0..if depth > 2 { 7 } else { 9 }) {
            0 => string(rng),
            1 => block_string(rng),
            2 => Piece::new(
                ["0", "-12", "1.5", "-0.25e10", "3E-2", "42"][rng.random_range(0..6)],
                1,
            ),
            3 => Piece::new(
                ["true", "null", "ENUM_VALUE", "_x1"][rng.random_range(0..4)],
                1,
            ),
            4 => Piece::new("$var", 2),
            5 => string(rng),
            6 => block_string(rng),
            7 => {
                let items = (0..rng.random_range(0..4)).map(|_| value(rng, depth + 1));
                let list = Piece::join(items.collect::<Vec<_>>(), ignored(rng));
                Piece::new(format!("[{}]", list.text), list.tokens + 2)
            }
            _ => {
                let fields = (0..rng.random_range(0..4)).map(|index| {
                    let inner = value(rng, depth + 1);
                    Piece::new(format!("f{index}: {}", inner.text), inner.tokens + 2)
                });
                let object = Piece::join(fields.collect::<Vec<_>>(), ignored(rng));
                Piece::new(format!("{{{}}}", object.text), object.tokens + 2)
            }
        }
    }

    fn field(rng: &mut StdRng, depth: usize) -> Piece {
        let mut piece = Piece::new(format!("field{}", rng.random_range(0..99)), 1);
        if rng.random_bool(0.3) {
            piece = Piece::new(format!("alias: {}", piece.text), 3);
        }
        if rng.random_bool(0.6) {
            let arguments = (0..rng.random_range(1..4)).map(|index| {
                let value = value(rng, 0);
                Piece::new(format!("a{index}: {}", value.text), value.tokens + 2)
            });
            let arguments = Piece::join(arguments.collect::<Vec<_>>(), ignored(rng));
            piece = Piece::new(
                format!("{}({})", piece.text, arguments.text),
                piece.tokens + arguments.tokens + 2,
            );
        }
        if rng.random_bool(0.2) {
            piece = Piece::new(format!("{} @skip(if: true)", piece.text), piece.tokens + 7);
        }
        if depth < 3 && rng.random_bool(0.4) {
            let set = selection_set(rng, depth + 1);
            piece = Piece::new(
                format!("{} {}", piece.text, set.text),
                piece.tokens + set.tokens,
            );
        }
        piece
    }

    fn selection_set(rng: &mut StdRng, depth: usize) -> Piece {
        let fields = (0..rng.random_range(1..5)).map(|_| match rng.random_range(0..6) {
            0 => Piece::new("...Named", 2),
            1 => {
                let set = selection_set(rng, depth + 1);
                Piece::new(format!("... on Query {}", set.text), set.tokens + 3)
            }
            _ => field(rng, depth),
        });
        let fields = Piece::join(fields.collect::<Vec<_>>(), ignored(rng));
        Piece::new(format!("{{{}}}", fields.text), fields.tokens + 2)
    }

    fn document(rng: &mut StdRng) -> Piece {
        let operation = selection_set(rng, 0);
        let fragment = selection_set(rng, 0);
        Piece::new(
            format!(
                "\u{feff}query Q($var: [Int!] = [1]) {}{}fragment Named on Query {}",
                operation.text,
                ignored(rng),
                fragment.text
            ),
            // query Q ( $ var : [ Int ! ] = [ 1 ] ) + fragment Named on Query
            15 + operation.tokens + 4 + fragment.tokens,
        )
    }

    #[test]
    fn generated_documents_have_the_tokens_they_were_built_from() {
        let mut rng = StdRng::seed_from_u64(17);
        for _ in 0..500 {
            let document = document(&mut rng);
            async_graphql::parser::parse_query(&document.text).unwrap_or_else(|error| {
                panic!(
                    "generated an invalid document ({error}):\n{}",
                    document.text
                )
            });
            assert_eq!(count(&document.text), document.tokens, "{}", document.text);
        }
    }

    #[test]
    fn a_block_string_cannot_hide_the_tokens_after_it() {
        let hidden = format!("{{ a(s: \"\"\"x \" y\"\"\") {} }}", "b ".repeat(5_000));
        assert_eq!(count(&hidden), 5_000 + 8);
        assert!(exceeds(&hidden, 2_000));
    }

    #[test]
    fn an_escaped_quote_does_not_end_a_string() {
        assert_eq!(count(r#"{ a(s: "x\" b c \\") d }"#), 9);
        assert_eq!(count(r#"{ a(s: """x\""" b c""") d }"#), 9);
    }

    #[test]
    fn unknown_characters_and_unterminated_strings_are_counted_not_skipped() {
        assert_eq!(count("{ é ~ ? }"), 5);
        assert_eq!(count("{ a(s: \"open\n b c"), 8);
        assert_eq!(count("{ a(s: \"\"\"open b c"), 6);
    }

    #[test]
    fn counting_stops_just_past_the_limit() {
        assert!(!exceeds("{ a b }", 4));
        assert!(exceeds("{ a b c }", 4));
    }
}
