//! Markdown as people write it (CommonMark with tables, strikethrough and task lists), rendered to
//! HTML that is safe to show: the rendered HTML goes through ammonia's allow-list sanitiser, so
//! raw HTML in the Markdown, scripts, event handlers, styles and unsafe URL schemes never reach a
//! browser. Posts, comments, events and group descriptions all render through here.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

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
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    SANITISER.clean(&unsafe_html).to_string()
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
    fn keeps_french_and_english_text_intact() {
        assert_eq!(
            to_safe_html("Ça va ? « Oui » — déjà fini."),
            "<p>Ça va ? « Oui » — déjà fini.</p>\n"
        );
    }
}
