//! One reader's copy of a newsletter: the intro, then the chosen posts and events that reader
//! may see (asked of the policy as them), in their language and time zone, framed with the
//! organization's branding. Every link goes through `link`, which sending points at the
//! click-tracking redirect and previews leave alone.

use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;

use super::model::Newsletter;
use crate::auth::Viewer;
use crate::email::layout::{self, Branding, Content};
use crate::error::ApiResult;
use crate::events_calendar::model::Event;
use crate::graphql::ids;
use crate::html::escape;
use crate::notifications::model::Subject;
use crate::notifications::text::Language;
use crate::notifications::visibility;
use crate::posts::Post;

/// How much of a post's text a copy shows.
const EXCERPT_CHARS: usize = 280;

/// The posts and events a newsletter names that still exist (published posts, events not
/// cancelled), in order.
pub struct Sources {
    posts: Vec<Post>,
    events: Vec<Event>,
}

impl Sources {
    pub async fn load(conn: &mut AsyncPgConnection, newsletter: &Newsletter) -> ApiResult<Self> {
        let mut posts = Vec::new();
        for id in newsletter.post_list() {
            if let Some(post) = crate::posts::model::find(conn, id).await?
                && post.is_live()
            {
                posts.push(post);
            }
        }
        let found =
            crate::events_calendar::model::find_many(conn, &newsletter.event_list()).await?;
        let events = newsletter
            .event_list()
            .into_iter()
            .filter_map(|id| found.iter().find(|event| event.id == id))
            .filter(|event| event.cancelled_at.is_none())
            .cloned()
            .collect();
        Ok(Self { posts, events })
    }

    /// Every link target a copy may carry: the intranet, the intro's links and the items'.
    pub fn targets(&self, newsletter: &Newsletter, app_url: &str) -> Vec<String> {
        let mut targets = vec![app_url.to_owned()];
        targets.extend(crate::markdown::web_links(&newsletter.intro));
        targets.extend(self.posts.iter().map(|post| post_url(app_url, post)));
        targets.extend(self.events.iter().map(|event| event_url(app_url, event)));
        let mut unique = Vec::with_capacity(targets.len());
        for target in targets {
            if !unique.contains(&target) {
                unique.push(target);
            }
        }
        unique
    }
}

fn post_url(app_url: &str, post: &Post) -> String {
    format!(
        "{app_url}/posts/{}",
        ids::encode(crate::posts::TYPE_NAME, post.id).0
    )
}

fn event_url(app_url: &str, event: &Event) -> String {
    format!(
        "{app_url}/events/{}",
        ids::encode(crate::events_calendar::access::TYPE_NAME, event.id).0
    )
}

/// A rendered copy.
#[derive(Debug, Clone)]
pub struct Copy {
    pub subject: String,
    pub html: String,
    pub text: String,
    pub language: Language,
}

/// One post or event as a copy shows it.
struct Item {
    title: String,
    /// When an event starts (in the reader's time zone) and where.
    details: Option<String>,
    summary: String,
    url: String,
}

fn post_item(app_url: &str, post: &Post) -> Item {
    Item {
        title: post
            .title
            .clone()
            .filter(|title| !title.trim().is_empty())
            .unwrap_or_else(|| crate::markdown::excerpt(&post.body, 80)),
        details: None,
        summary: crate::markdown::excerpt(&post.body, EXCERPT_CHARS),
        url: post_url(app_url, post),
    }
}

fn event_item(app_url: &str, event: &Event, zone: Tz, language: Language) -> Item {
    let starts = event.starts_at.with_timezone(&zone);
    let when = match language {
        Language::English => starts.format("%Y-%m-%d %H:%M %Z"),
        Language::French => starts.format("%d/%m/%Y %H:%M %Z"),
    }
    .to_string();
    let details = match &event.location {
        Some(location) if !location.trim().is_empty() => format!("{when} · {location}"),
        _ => when,
    };
    Item {
        title: event.title.clone(),
        details: Some(details),
        summary: crate::markdown::excerpt(&event.description, EXCERPT_CHARS),
        url: event_url(app_url, event),
    }
}

/// `reader`'s copy: only the items they may see.
pub async fn for_reader(
    conn: &mut AsyncPgConnection,
    branding: &Branding,
    newsletter: &Newsletter,
    sources: &Sources,
    reader: &Viewer,
    link: &(dyn Fn(&str) -> String + Sync),
    unsubscribe_url: Option<&str>,
) -> ApiResult<Copy> {
    let language = Language::of(&reader.user.locale);
    let zone: Tz = reader.user.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let mut posts = Vec::new();
    for post in &sources.posts {
        let subject = Subject {
            type_name: crate::posts::TYPE_NAME,
            id: post.id,
        };
        if visibility::can_see(conn, reader, subject).await? {
            posts.push(post_item(&branding.app_url, post));
        }
    }
    let mut events = Vec::new();
    for event in &sources.events {
        let subject = Subject {
            type_name: crate::events_calendar::access::TYPE_NAME,
            id: event.id,
        };
        if visibility::can_see(conn, reader, subject).await? {
            events.push(event_item(&branding.app_url, event, zone, language));
        }
    }
    Ok(render(
        branding,
        language,
        newsletter,
        &[(Section::News, posts), (Section::Events, events)],
        link,
        unsubscribe_url,
    ))
}

#[derive(Clone, Copy)]
enum Section {
    News,
    Events,
}

impl Section {
    fn heading(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::News, Language::English) => "News",
            (Self::News, Language::French) => "Actualités",
            (Self::Events, Language::English) => "Events",
            (Self::Events, Language::French) => "Événements",
        }
    }
}

fn render(
    branding: &Branding,
    language: Language,
    newsletter: &Newsletter,
    sections: &[(Section, Vec<Item>)],
    link: &(dyn Fn(&str) -> String + Sync),
    unsubscribe_url: Option<&str>,
) -> Copy {
    let mut html = crate::markdown::to_safe_html_with_links(&newsletter.intro, link);
    let mut text = crate::markdown::to_plain_text(&newsletter.intro, |url| Some(link(url)));
    let primary = escape(&branding.primary_color);
    for (section, items) in sections.iter().filter(|(_, items)| !items.is_empty()) {
        let heading = section.heading(language);
        html.push_str(&format!(
            "<h2 style=\"font-size:17px;margin:24px 0 8px;color:{primary}\">{}</h2>",
            escape(heading)
        ));
        while !text.ends_with("\n\n") {
            text.push('\n');
        }
        text.push_str(&format!("{}\n", heading.to_uppercase()));
        for item in items {
            let url = link(&item.url);
            html.push_str(&format!(
                "<div style=\"margin:0 0 16px\"><h3 style=\"font-size:15px;margin:0 0 4px\">\
                 <a href=\"{}\" style=\"color:{primary}\">{}</a></h3>",
                escape(&url),
                escape(&item.title)
            ));
            text.push_str(&format!("\n- {}\n", item.title));
            if let Some(details) = &item.details {
                html.push_str(&format!(
                    "<p style=\"margin:0 0 4px;color:#616e7c;font-size:13px\">{}</p>",
                    escape(details)
                ));
                text.push_str(&format!("  {details}\n"));
            }
            if !item.summary.is_empty() {
                html.push_str(&format!(
                    "<p style=\"margin:0\">{}</p>",
                    escape(&item.summary)
                ));
                text.push_str(&format!("  {}\n", item.summary));
            }
            html.push_str("</div>");
            text.push_str(&format!("  {url}\n"));
        }
    }
    // The frame's "open the intranet" button is a link like the others.
    let branding = Branding {
        app_url: link(&branding.app_url),
        ..branding.clone()
    };
    let content = Content {
        language,
        heading: &newsletter.subject,
        body_html: &html,
        body_text: text.trim(),
        unsubscribe_url,
    };
    Copy {
        subject: newsletter.subject.clone(),
        html: layout::html(&branding, &content),
        text: layout::text(&branding, &content),
        language,
    }
}
