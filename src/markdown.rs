//! Markdown as people write it (CommonMark with tables, strikethrough and task lists), rendered to
//! HTML that is safe to show: the rendered HTML goes through ammonia's allow-list sanitiser, so
//! raw HTML in the Markdown, scripts, event handlers, styles and unsafe URL schemes never reach a
//! browser. Posts, comments, events and group descriptions all render through here.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"]);
    builder
});

/// Sanitised HTML for `markdown`.
pub fn to_safe_html(markdown: &str) -> String {
    to_safe_html_with_links(markdown, str::to_owned)
}

fn parser(markdown: &str) -> Parser<'_> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    Parser::new_ext(markdown, options)
}

/// Whether a link target is a web address (the links emails track).
fn is_web(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Sanitised HTML for `markdown`, with the target of each web link replaced by `rewrite`'s
/// (emails send links through a click-tracking redirect); the sanitiser still has the last word.
pub fn to_safe_html_with_links(markdown: &str, mut rewrite: impl FnMut(&str) -> String) -> String {
    let events = parser(markdown).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if is_web(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from(rewrite(&dest_url)),
            title,
            id,
        }),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    SANITISER.clean(&unsafe_html).to_string()
}

/// The web link targets of `markdown`, in order, each once.
pub fn web_links(markdown: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for event in parser(markdown) {
        if let Event::Start(Tag::Link { dest_url, .. }) = event
            && is_web(&dest_url)
            && !links.iter().any(|link| *link == *dest_url)
        {
            links.push(dest_url.into_string());
        }
    }
    links
}

/// The start of `markdown` as one line of plain text: `chars` characters at most, with `…` when
/// cut.
pub fn excerpt(markdown: &str, chars: usize) -> String {
    let text = to_plain_text(markdown, |_| None);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= chars {
        return text;
    }
    let cut: String = text.chars().take(chars).collect();
    format!("{}…", cut.trim_end())
}

/// `markdown` as plain text (raw HTML left out): each web link reads `label (target)` with the
/// target `rewrite` gives, or just `label` when it gives none.
pub fn to_plain_text(markdown: &str, mut rewrite: impl FnMut(&str) -> Option<String>) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut targets: Vec<Option<String>> = Vec::new();
    for event in parser(markdown) {
        match event {
            Event::Text(part) | Event::Code(part) => text.push_str(&part),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::Start(Tag::Item) => text.push_str("- "),
            Event::Start(Tag::Link { dest_url, .. }) => {
                targets.push(is_web(&dest_url).then(|| rewrite(&dest_url)).flatten());
            }
            Event::End(TagEnd::Link) => {
                if let Some(Some(target)) = targets.pop() {
                    text.push_str(&format!(" ({target})"));
                }
            }
            Event::End(TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::List(_),
            ) => text.push_str("\n\n"),
            _ => {}
        }
    }
    let mut text = text.trim_end().to_owned();
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn renders_commonmark() {
        assert_eq!(
            to_safe_html("# Bonjour\n\n**Équipe** [site](https://example.com)"),
            "<h1>Bonjour</h1>\n<p><strong>Équipe</strong> <a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">site</a></p>\n"
        );
    }

    #[test]
    fn renders_tables_and_task_lists() {
        let html = to_safe_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] fait\n- [ ] à faire");
        assert!(
            html.contains("<table>") && html.contains("<td>1</td>"),
            "{html}"
        );
        assert!(
            html.contains("<input") && html.contains("checked"),
            "{html}"
        );
    }

    /// Real XSS vectors (OWASP's filter evasion cheat sheet and friends): none may survive.
    #[test]
    fn strips_every_script_vector() {
        let vectors = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "<svg><script>alert(1)</script></svg>",
            "<body onload=alert(1)>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x](vbscript:msgbox(1))",
            "![x](javascript:alert(1))",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<style>*{background:url(javascript:alert(1))}</style>",
            "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
            "<form action=\"javascript:alert(1)\"><button>x</button></form>",
            "<object data=\"javascript:alert(1)\"></object>",
            "<embed src=\"javascript:alert(1)\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<details open ontoggle=alert(1)>",
            "<input onfocus=alert(1) autofocus>",
            "<a href=x onmouseover=alert(1)>x</a>",
            "<<script>script>alert(1)<</script>/script>",
            "<scr<script>ipt>alert(1)</script>",
            "<img src=\"x\" onerror=\"&#97;lert(1)\">",
            "<base href=\"javascript:alert(1)//\">",
            "<link rel=stylesheet href=\"javascript:alert(1)\">",
            "<template><script>alert(1)</script></template>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        ];
        for vector in vectors {
            let html = to_safe_html(vector).to_lowercase();
            for forbidden in [
                "<script",
                "javascript:",
                "vbscript:",
                "data:text",
                "onerror",
                "onload",
                "onmouseover",
                "onfocus",
                "ontoggle",
                "<iframe",
                "<object",
                "<embed",
                "<style",
                "style=",
                "<form",
                "<meta",
                "<base",
                "<link",
                "<svg",
                "<math",
            ] {
                assert!(!html.contains(forbidden), "{vector:?} gave {html:?}");
            }
        }
    }

    #[test]
    fn rewrites_web_links_only_and_keeps_them_safe() {
        let markdown = "Voir [le site](https://example.com/a), [écrire](mailto:a@example.com), \
                        [x](javascript:alert(1)) et [encore](https://example.com/a).";
        assert_eq!(super::web_links(markdown), vec!["https://example.com/a"]);
        let html =
            super::to_safe_html_with_links(markdown, |url| format!("https://t.example/?u={url}"));
        assert!(
            html.contains("href=\"https://t.example/?u=https://example.com/a\""),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert_eq!(
            super::to_plain_text(markdown, |_| Some("https://t.example/1".to_owned())),
            "Voir le site (https://t.example/1), écrire, x et encore (https://t.example/1)."
        );
        assert_eq!(
            super::to_plain_text(
                "# Titre\n\n- un\n- deux\n\n[lien](https://e.example)",
                |_| None
            ),
            "Titre\n\n- un\n- deux\n\nlien"
        );
    }

    #[test]
    fn keeps_french_and_english_text_intact() {
        assert_eq!(
            to_safe_html("Ça va ? « Oui » — déjà fini."),
            "<p>Ça va ? « Oui » — déjà fini.</p>\n"
        );
    }
}
