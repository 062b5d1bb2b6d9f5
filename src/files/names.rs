//! File and folder names: what people may call things. Names are only ever shown and compared;
//! storage keys are random, so a name can never reach a path on disk.

use crate::error::{ApiError, ApiResult};
use crate::validation;

/// Bytes, as file systems count them (most allow 255).
pub const MAX_NAME_BYTES: usize = 255;

/// Windows refuses these as names (with any extension); people share files with Windows users.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// How many numbered names ("name (1).ext" to "name (1000).ext") a clash tries before giving
/// up: far more copies of one name than a folder ever holds, few enough to answer at once.
pub const MAX_NUMBERED: usize = 1_000;

/// A name typed by someone (folder names, renames): refused with the reason when it is not usable.
pub fn checked(field: &str, name: &str) -> ApiResult<String> {
    // Characters, then bytes: a name within 255 bytes is within 255 characters.
    let trimmed = validation::name(field, name, MAX_NAME_BYTES)?;
    if trimmed.contains(['/', '\\']) {
        return Err(ApiError::bad_input(field, "must not contain / or \\"));
    }
    if trimmed == "." || trimmed == ".." {
        return Err(ApiError::bad_input(field, "must not be . or .."));
    }
    if trimmed.len() > MAX_NAME_BYTES {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {MAX_NAME_BYTES} bytes"),
        ));
    }
    if is_reserved(&trimmed) {
        return Err(ApiError::bad_input(
            field,
            "is a name Windows reserves (CON, PRN, AUX, NUL, COM1-9, LPT1-9)",
        ));
    }
    Ok(trimmed)
}

fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    RESERVED.contains(&stem.to_ascii_lowercase().as_str())
}

/// The name of an uploaded file, from whatever the browser sent: the last path segment, control
/// characters and invisible formatting dropped, trailing dots and spaces removed, reserved names
/// prefixed, cut to 255 bytes keeping the extension. Never fails: an unusable name becomes "file".
pub fn from_upload(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned = validation::without_hidden_characters(last);
    let cleaned = cleaned.trim().trim_end_matches(['.', ' ']).to_owned();
    let name = if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".to_owned()
    } else if is_reserved(&cleaned) {
        format!("_{cleaned}")
    } else {
        cleaned
    };
    if name.len() <= MAX_NAME_BYTES {
        return name;
    }
    let (stem, extension) = stem_and_extension(&name);
    fit(stem, &extension)
}

/// `stem` cut at a character boundary so that it and `tail` (kept whole) fit in
/// `MAX_NAME_BYTES` together.
fn fit(stem: &str, tail: &str) -> String {
    let room = MAX_NAME_BYTES.saturating_sub(tail.len());
    let end = stem
        .char_indices()
        .map(|(index, c)| index + c.len_utf8())
        .take_while(|&end| end <= room)
        .last()
        .unwrap_or(0);
    format!("{}{tail}", stem[..end].trim_end())
}

/// `("report", ".pdf")` for `report.pdf`. Dotfiles and names without a dot have no extension,
/// nor has a name whose "extension" would take half the room (it is kept whole in the stem).
fn stem_and_extension(name: &str) -> (&str, String) {
    match name.rfind('.') {
        Some(index) if index > 0 && name.len() - index < MAX_NAME_BYTES / 2 => {
            (&name[..index], name[index..].to_owned())
        }
        _ => (name, String::new()),
    }
}

/// `name (n).ext`, within `MAX_NAME_BYTES`: the stem is cut, never the number or the extension,
/// so every `n` gives a different name however long `name` is.
fn numbered(name: &str, n: usize) -> String {
    let (stem, extension) = stem_and_extension(name);
    fit(stem, &format!(" ({n}){extension}"))
}

/// `name`, or `name (1).ext`, `name (2).ext`... the first that `taken` does not refuse. Every
/// search for a free name goes through here, so it ends after `MAX_NUMBERED` tries, with a
/// CONFLICT naming `field`.
pub fn first_free(field: &str, name: &str, taken: impl Fn(&str) -> bool) -> ApiResult<String> {
    std::iter::once(name.to_owned())
        .chain((1..=MAX_NUMBERED).map(|n| numbered(name, n)))
        .find(|candidate| !taken(candidate))
        .ok_or_else(|| {
            ApiError::Conflict(format!(
                "{field}: {MAX_NUMBERED} numbered copies of this name are already in the folder; \
                 rename or remove some first."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_with_paths_controls_or_reserved_words_are_refused() {
        for bad in [
            "",
            "  ",
            "../etc",
            "a/b",
            "a\\b",
            ".",
            "..",
            "a\0b",
            "tab\tname",
            "CON",
            "nul.txt",
            "Lpt1",
        ] {
            assert!(checked("name", bad).is_err(), "{bad:?}");
        }
        assert!(checked("name", &"é".repeat(200)).is_err());
        assert_eq!(
            checked("name", "  Compte rendu.docx ").unwrap(),
            "Compte rendu.docx"
        );
        assert_eq!(checked("name", "console.log").unwrap(), "console.log");
    }

    #[test]
    fn uploaded_names_are_normalised_never_refused() {
        assert_eq!(
            from_upload("C:\\Users\\anna\\Budget 2026.xlsx"),
            "Budget 2026.xlsx"
        );
        assert_eq!(from_upload("../../etc/passwd"), "passwd");
        assert_eq!(from_upload("..."), "file");
        assert_eq!(from_upload("bad\u{0}name\n.txt"), "badname.txt");
        assert_eq!(from_upload("aux.txt"), "_aux.txt");
        let long = format!("{}.pdf", "é".repeat(600));
        let short = from_upload(&long);
        assert!(
            short.len() <= MAX_NAME_BYTES && short.ends_with(".pdf"),
            "{short}"
        );
    }

    #[test]
    fn clashing_names_get_a_number_before_the_extension() {
        let taken = ["Rapport.pdf", "Rapport (1).pdf", "Notes"];
        let is_taken = |name: &str| taken.contains(&name);
        assert_eq!(
            first_free("file", "Rapport.pdf", is_taken).unwrap(),
            "Rapport (2).pdf"
        );
        assert_eq!(first_free("file", "Notes", is_taken).unwrap(), "Notes (1)");
        assert_eq!(
            first_free("file", "Neuf.txt", is_taken).unwrap(),
            "Neuf.txt"
        );
    }

    /// Every numbered candidate of `name`: all different and within the limit.
    fn assert_candidates_distinct_and_short(name: &str) {
        let mut seen = std::collections::HashSet::new();
        for n in 1..=MAX_NUMBERED {
            let candidate = numbered(name, n);
            assert!(candidate.len() <= MAX_NAME_BYTES, "{n}: {candidate}");
            assert!(
                candidate.contains(&format!(" ({n})")),
                "{n} is kept: {candidate}"
            );
            assert!(seen.insert(candidate.to_lowercase()), "{n}: {candidate}");
        }
    }

    #[test]
    fn a_name_at_the_limit_keeps_its_number_and_extension() {
        let long = from_upload(&format!("{}.pdf", "a".repeat(300)));
        assert_eq!(long.len(), MAX_NAME_BYTES);
        let is_taken = |candidate: &str| candidate == long;
        let free = first_free("file", &long, is_taken).unwrap();
        assert!(free.ends_with(" (1).pdf"), "{free}");
        assert!(free.len() <= MAX_NAME_BYTES, "{free}");
        assert_candidates_distinct_and_short(&long);
    }

    #[test]
    fn multibyte_names_at_the_limit_are_cut_between_characters() {
        for unit in ["é", "€", "😀", "👩\u{200D}💻"] {
            let name = from_upload(&format!("{}.txt", unit.repeat(200)));
            assert!(
                name.len() <= MAX_NAME_BYTES && name.ends_with(".txt"),
                "{name}"
            );
            assert_candidates_distinct_and_short(&name);
            let dotless = from_upload(&unit.repeat(200));
            assert_candidates_distinct_and_short(&dotless);
        }
        assert_candidates_distinct_and_short(&format!("a.{}", "x".repeat(250)));
        assert_candidates_distinct_and_short(&format!("{} (1).pdf", "b".repeat(246)));
    }

    #[test]
    fn a_search_for_a_free_name_ends_with_a_conflict_naming_the_field() {
        let refused = first_free("file", "Rapport.pdf", |_| true).unwrap_err();
        assert_eq!(refused.code(), "CONFLICT");
        assert!(
            refused.message().starts_with("file: "),
            "{}",
            refused.message()
        );
    }

    #[test]
    fn uploaded_names_lose_invisible_formatting() {
        assert_eq!(from_upload("evil\u{202E}gnp.exe"), "evilgnp.exe");
        assert!(checked("name", "evil\u{202E}gnp.exe").is_err());
    }
}
