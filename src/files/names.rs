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
    shorten(&name, MAX_NAME_BYTES)
}

/// `name` within `limit` bytes, cut in the stem so the extension survives.
fn shorten(name: &str, limit: usize) -> String {
    if name.len() <= limit {
        return name.to_owned();
    }
    let (stem, extension) = split_extension(name);
    let extension = if extension.len() + 1 < limit / 2 {
        extension
    } else {
        ""
    };
    let room = limit
        - if extension.is_empty() {
            0
        } else {
            extension.len() + 1
        };
    let mut stem_cut = String::new();
    for c in stem.chars() {
        if stem_cut.len() + c.len_utf8() > room {
            break;
        }
        stem_cut.push(c);
    }
    if extension.is_empty() {
        stem_cut
    } else {
        format!("{stem_cut}.{extension}")
    }
}

/// `("report", "pdf")` for `report.pdf`; dotfiles and names without a dot have no extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(index) if index > 0 => (&name[..index], &name[index + 1..]),
        _ => (name, ""),
    }
}

/// `name`, or `name (1).ext`, `name (2).ext`... the first that `taken` does not refuse.
pub fn first_free(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_owned();
    }
    let (stem, extension) = split_extension(name);
    (1..)
        .map(|n| {
            let candidate = if extension.is_empty() {
                format!("{stem} ({n})")
            } else {
                format!("{stem} ({n}).{extension}")
            };
            shorten(&candidate, MAX_NAME_BYTES)
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| name.to_owned())
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
        assert_eq!(first_free("Rapport.pdf", is_taken), "Rapport (2).pdf");
        assert_eq!(first_free("Notes", is_taken), "Notes (1)");
        assert_eq!(first_free("Neuf.txt", is_taken), "Neuf.txt");
    }

    #[test]
    fn uploaded_names_lose_invisible_formatting() {
        assert_eq!(from_upload("evil\u{202E}gnp.exe"), "evilgnp.exe");
        assert!(checked("name", "evil\u{202E}gnp.exe").is_err());
    }
}
