//! The query syntax people already know from search engines: words, "quoted phrases",
//! `-excluded` words or phrases, and `OR` between alternatives; the last word, still being typed,
//! also matches the words it begins. Mistyped syntax is forgiven (an unbalanced quote runs to the
//! end, a lone `-` or a dangling `OR` is ignored), never an error.

use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A query as PostgreSQL's `parvis_search_query` reads it: every clause must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
}

/// Alternatives, one of which must be in (or, negated, none of which may be in) what is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clause {
    pub negated: bool,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "lowercase")]
pub enum Term {
    Word(String),
    /// The last word of a query typed so far: it may be the beginning of a longer one.
    Prefix(String),
    Phrase(String),
}

impl ParsedQuery {
    /// Reads a query; BAD_USER_INPUT (on `field`) when it is empty, has no letter or digit, or
    /// looks for nothing but exclusions.
    pub fn parse(field: &str, query: &str) -> ApiResult<Self> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::bad_input(
                field,
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        if !query.chars().any(char::is_alphanumeric) {
            return Err(ApiError::bad_input(
                field,
                "must contain a word to look for (letters or digits)",
            ));
        }
        let clauses = clauses(&tokens(query));
        if clauses.iter().all(|clause| clause.negated) {
            return Err(ApiError::bad_input(
                field,
                "must contain a word to look for, not only words to exclude",
            ));
        }
        Ok(Self { clauses })
    }

    /// The words looked for, when the query is nothing but words: names and titles may then be
    /// found with typos in them.
    pub fn plain_words(&self) -> Option<Vec<String>> {
        self.clauses
            .iter()
            .map(|clause| match (clause.negated, clause.terms.as_slice()) {
                (false, [Term::Word(word) | Term::Prefix(word)]) => Some(word.clone()),
                _ => None,
            })
            .collect()
    }
}

/// One piece of a query as written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word {
        text: String,
        negated: bool,
        /// The word being typed (see `Term::Prefix`).
        prefix: bool,
    },
    Phrase {
        text: String,
        negated: bool,
    },
    Or,
}

fn tokens(query: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&next) = chars.peek() {
        if next.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = next == '-';
        if negated {
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            tokens.push(Token::Phrase { text, negated });
            continue;
        }
        let mut text = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '"' {
                break;
            }
            text.push(c);
            chars.next();
        }
        if text == "OR" && !negated {
            tokens.push(Token::Or);
        } else if text.chars().any(char::is_alphanumeric) {
            tokens.push(Token::Word {
                text,
                negated,
                prefix: false,
            });
        }
    }
    let typing = !query.ends_with(char::is_whitespace);
    if let Some(Token::Word {
        text,
        negated: false,
        prefix,
    }) = tokens.last_mut()
    {
        // Only letters and digits: the text goes into a `to_tsquery` prefix as it is.
        *prefix = typing && text.chars().all(char::is_alphanumeric) && text.chars().count() >= 2;
    }
    tokens
}

/// Groups tokens into clauses: `a OR b` is one clause of two alternatives.
fn clauses(tokens: &[Token]) -> Vec<Clause> {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut joining = false;
    for token in tokens {
        let (term, negated) = match token {
            Token::Or => {
                joining = !clauses.is_empty();
                continue;
            }
            Token::Word {
                text,
                negated,
                prefix: true,
            } => (Term::Prefix(text.clone()), *negated),
            Token::Word { text, negated, .. } => (Term::Word(text.clone()), *negated),
            Token::Phrase { text, negated } => {
                if !text.chars().any(char::is_alphanumeric) {
                    continue;
                }
                (Term::Phrase(text.clone()), *negated)
            }
        };
        match clauses.last_mut() {
            Some(last) if joining && last.negated == negated => last.terms.push(term),
            _ => clauses.push(Clause {
                negated,
                terms: vec![term],
            }),
        }
        joining = false;
    }
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> Vec<Clause> {
        ParsedQuery::parse("query", query).unwrap().clauses
    }

    fn all(negated: bool, terms: Vec<Term>) -> Clause {
        Clause { negated, terms }
    }

    fn word(text: &str) -> Term {
        Term::Word(text.to_owned())
    }

    #[test]
    fn words_must_all_be_found_and_the_last_one_may_be_unfinished() {
        assert_eq!(
            parsed("réunion équipe"),
            [
                all(false, vec![word("réunion")]),
                all(false, vec![Term::Prefix("équipe".to_owned())])
            ]
        );
        assert_eq!(parsed("réunion ")[0], all(false, vec![word("réunion")]));
    }

    #[test]
    fn phrases_exclusions_and_alternatives_are_read() {
        assert_eq!(
            parsed(r#""weekly meeting" -draft budget OR plan "#),
            [
                all(false, vec![Term::Phrase("weekly meeting".to_owned())]),
                all(true, vec![word("draft")]),
                all(false, vec![word("budget"), word("plan")]),
            ]
        );
    }

    #[test]
    fn mistyped_syntax_is_forgiven() {
        assert_eq!(
            parsed(r#"OR budget - "plan 2027"#),
            [
                all(false, vec![word("budget")]),
                all(false, vec![Term::Phrase("plan 2027".to_owned())]),
            ]
        );
        assert_eq!(parsed("budget OR")[0], all(false, vec![word("budget")]));
    }

    #[test]
    fn queries_with_nothing_to_look_for_are_refused() {
        for query in ["", "   ", "!!! ?", "-draft", "x".repeat(201).as_str()] {
            let error = ParsedQuery::parse("query", query).unwrap_err();
            assert_eq!(error.code(), "BAD_USER_INPUT", "{query}");
        }
    }

    #[test]
    fn only_plain_words_allow_typos() {
        let words = ParsedQuery::parse("query", "Zoé Dubios")
            .unwrap()
            .plain_words();
        assert_eq!(words, Some(vec!["Zoé".to_owned(), "Dubios".to_owned()]));
        let phrase = ParsedQuery::parse("query", r#""Zoé Dubios""#).unwrap();
        assert_eq!(phrase.plain_words(), None);
    }
}
