//! Input checks shared by every mutation (each error names the field and the limit) and by
//! the routes that take JSON.

use std::str::FromStr;

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;

use crate::error::{ApiError, ApiResult};

/// `Content-Type: application/json` (any case, any parameters): what the GraphQL route and
/// webhooks accept.
pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Length limits, in characters.
pub struct Limit;

impl Limit {
    pub const NAME: usize = 100;
    pub const SHORT_TEXT: usize = 100;
    pub const PHONE: usize = 40;
    pub const BIO: usize = 2_000;
    pub const SEARCH: usize = 200;
    pub const EMAIL: usize = 254;
    pub const USERNAME: usize = 40;
    pub const SLUG: usize = 60;
    pub const DESCRIPTION: usize = 5_000;
}

/// Free text: at most `limit` characters, and no NUL (PostgreSQL cannot store it).
pub fn max_chars(field: &str, text: &str, limit: usize) -> ApiResult<()> {
    if text.contains('\0') {
        return Err(ApiError::bad_input(
            field,
            "must not contain NUL characters",
        ));
    }
    if text.chars().count() > limit {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {limit} characters"),
        ));
    }
    Ok(())
}

/// Whether `c` is an invisible character that changes how the text around it reads: the
/// bidirectional embeddings, overrides, isolates and marks (with one, `evil\u{202E}gnp.exe` shows
/// as `evilexe.png`), zero-width spaces, the word joiner and invisible operators, the byte order
/// mark, the soft hyphen, the Mongolian vowel separator, line and paragraph separators and
/// interlinear annotations. The zero-width joiner and non-joiner stay: emoji and several scripts
/// need them, and they cannot reorder text.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// A name or title someone types (people, groups, files and folders, events, posts, surveys,
/// webhooks...): trimmed, not empty, at most `limit` characters, and refused with the reason
/// when it holds a control character or invisible formatting (`is_invisible_format`), which
/// could make it read as something else wherever it is shown.
pub fn name(field: &str, text: &str, limit: usize) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    max_chars(field, text, limit)?;
    if text.chars().any(char::is_control) {
        return Err(ApiError::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    if text.chars().any(is_invisible_format) {
        return Err(ApiError::bad_input(
            field,
            "must not contain invisible formatting characters (such as right-to-left overrides)",
        ));
    }
    Ok(text.to_owned())
}

/// A name that comes from elsewhere rather than being typed (an uploaded file's name): control
/// characters and invisible formatting removed instead of refused, since the person cannot
/// correct it in the form.
pub fn without_hidden_characters(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() && !is_invisible_format(c))
        .collect()
}

/// A display name: a `name` of 1 to 100 characters.
pub fn display_name(field: &str, text: &str) -> ApiResult<String> {
    name(field, text, Limit::NAME)
}

/// A username: 2 to 40 of `a-z 0-9 . _ -`, starting with a letter or digit (mentions use it).
pub fn username(field: &str, username: &str) -> ApiResult<String> {
    let username = username.trim().to_lowercase();
    let valid_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let starts_well = username
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if username.len() < 2 || username.len() > Limit::USERNAME || !valid_chars || !starts_well {
        return Err(ApiError::bad_input(
            field,
            format!(
                "must be 2 to {} characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
                Limit::USERNAME
            ),
        ));
    }
    Ok(username)
}

/// A plausible email address (one `@`, a dot in the domain, no spaces), lower-cased.
pub fn email(field: &str, email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let plausible = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    }) && !email.chars().any(char::is_whitespace);
    if !plausible {
        return Err(ApiError::bad_input(field, "is not an email address"));
    }
    max_chars(field, &email, Limit::EMAIL)?;
    Ok(email)
}

/// A BCP 47 language tag such as `fr`, `en-GB` or `pt-BR`.
pub fn locale(field: &str, tag: &str) -> ApiResult<String> {
    let tag = tag.trim();
    let mut parts = tag.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !language_ok || !rest_ok {
        return Err(ApiError::bad_input(
            field,
            "must be a language tag such as \"fr\" or \"en-GB\"",
        ));
    }
    Ok(tag.to_owned())
}

/// An IANA time zone name such as `Europe/Paris`.
pub fn time_zone(field: &str, zone: &str) -> ApiResult<String> {
    chrono_tz::Tz::from_str(zone.trim())
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            ApiError::bad_input(field, "must be an IANA time zone such as \"Europe/Paris\"")
        })
}

/// "Hélène.O'Brien" → "helene.obrien": plain lower-case ASCII letters, digits and dots, for
/// usernames (mentions) and slugs (URLs).
pub fn ascii_fold(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let folded = match c.to_lowercase().next().unwrap_or(c) {
                'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'î' | 'ï' | 'í' | 'ì' => 'i',
                'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => 'o',
                'ù' | 'û' | 'ü' | 'ú' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                'ÿ' => 'y',
                other => other,
            };
            (folded.is_ascii_alphanumeric() || folded == '.').then_some(folded)
        })
        .collect()
}

/// A URL slug from a name: "Équipe Lyon & co" → "equipe-lyon-co".
pub fn slugify(name: &str) -> String {
    let spaced: String = name
        .split(|c: char| !c.is_alphanumeric())
        .map(|word| ascii_fold(word).replace('.', ""))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    spaced
        .chars()
        .take(Limit::SLUG)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

/// A slug: 2 to 60 of `a-z 0-9 -`, not starting or ending with `-`.
pub fn slug(field: &str, slug: &str) -> ApiResult<String> {
    let slug = slug.trim().to_lowercase();
    let valid_chars = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if slug.len() < 2
        || slug.len() > Limit::SLUG
        || !valid_chars
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        return Err(ApiError::bad_input(
            field,
            format!(
                "must be 2 to {} characters of a-z, 0-9 and '-', not starting or ending with '-'",
                Limit::SLUG
            ),
        ));
    }
    Ok(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_apostrophes() {
        assert_eq!(ascii_fold("Hélène.O'Brien"), "helene.obrien");
        assert_eq!(ascii_fold("Søren.Côté"), "soren.cote");
    }

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(slugify("Équipe Lyon & co"), "equipe-lyon-co");
        assert_eq!(slugify("  Annonces  générales "), "annonces-generales");
    }

    #[test]
    fn names_with_invisible_formatting_are_refused() {
        for hidden in [
            "evil\u{202E}gnp.exe",
            "\u{2066}isolated\u{2069}",
            "mark\u{200F}",
            "arabic\u{061C}mark",
            "zero\u{200B}width",
            "\u{FEFF}bom",
        ] {
            let refused = name("name", hidden, Limit::NAME).unwrap_err();
            assert_eq!(refused.code(), "BAD_USER_INPUT", "{hidden:?}");
            assert!(refused.message().starts_with("name: "), "{hidden:?}");
        }
        for fine in [
            "Équipe Lyon",
            "שלום עולם",
            "مرحبا",
            "👩\u{200D}💻 Dev",
            "नमस्ते",
        ] {
            assert_eq!(name("name", fine, Limit::NAME).unwrap(), fine);
        }
        assert_eq!(
            without_hidden_characters("evil\u{202E}gnp\u{0}.exe"),
            "evilgnp.exe"
        );
    }

    #[test]
    fn slugs_are_checked() {
        assert!(slug("slug", "ok-slug-2").is_ok());
        assert!(slug("slug", "-bad").is_err());
        assert!(slug("slug", "x").is_err());
        assert!(slug("slug", "no spaces").is_err());
    }
}
