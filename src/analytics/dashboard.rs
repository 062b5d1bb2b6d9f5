//! `GET /admin`: the analytics dashboard for org admins, rendered here as one HTML page with
//! inline SVG charts and tables (no script, no external asset: it works air-gapped). The range
//! form and the CSV links use the same query string as the exports.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use diesel_async::AsyncPgConnection;

use super::charts::{self, Line};
use super::export::{RangeQuery, Report, admin_of, period_of};
use super::period::{Granularity, Period};
use super::reports::{self, ActiveUsersBreakdown};
use crate::auth::SignedIn;
use crate::error::{ApiError, ApiResult};
use crate::files::download::internal;
use crate::html::escape;
use crate::organization::model::Organization;
use crate::services::Services;

const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn page(
    State(services): State<Arc<Services>>,
    Query(query): Query<RangeQuery>,
    signed_in: Result<SignedIn, ApiError>,
) -> Response {
    match admin_of(signed_in) {
        Ok(_) => {}
        Err(ApiError::Unauthenticated) => {
            return Redirect::to("/login?redirect=%2Fadmin").into_response();
        }
        Err(refusal) => return refusal.into_response(),
    }
    let result = async {
        let mut conn = services.pool.get().await?;
        let period = period_of(&mut conn, &query).await?;
        let organization = crate::organization::model::get(&mut conn).await?;
        render(&mut conn, &organization, &period).await
    }
    .await;
    match result {
        Ok(html) => {
            let mut response = Html(html).into_response();
            let headers = response.headers_mut();
            headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            response
        }
        Err(error @ ApiError::BadUserInput { .. }) => {
            (StatusCode::BAD_REQUEST, error.message()).into_response()
        }
        Err(error) => internal(error),
    }
}

fn percent(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

fn tile(label: &str, value: &str, note: &str) -> String {
    format!(
        "<div class=\"tile\"><span>{}</span><strong>{}</strong><small>{}</small></div>",
        escape(label),
        escape(value),
        escape(note)
    )
}

fn section(title: &str, report: Option<Report>, query: &str, body: &str) -> String {
    let link = report
        .map(|report| {
            format!(
                "<a class=\"csv\" href=\"/admin/analytics/{}.csv?{query}\">CSV</a>",
                report.slug()
            )
        })
        .unwrap_or_default();
    format!("<section><h2>{}{link}</h2>{body}</section>", escape(title))
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    if rows.is_empty() {
        return "<p class=\"empty\">Nothing in this range.</p>".into();
    }
    let mut html = String::from("<table><thead><tr>");
    for header in headers {
        let _ = write!(html, "<th>{}</th>", escape(header));
    }
    html.push_str("</tr></thead><tbody>");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", escape(&cell));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

fn breakdown_bars(title: &str, colour: &str, rows: &[ActiveUsersBreakdown]) -> String {
    let bars: Vec<(String, f64, String)> = rows
        .iter()
        .map(|row| {
            let name = if row.value.is_empty() {
                "(none)".to_owned()
            } else {
                row.value.clone()
            };
            (
                name,
                row.average_dau,
                format!(
                    "DAU {:.1} · {} people · stickiness {}",
                    row.average_dau,
                    row.active_users,
                    percent(row.stickiness)
                ),
            )
        })
        .collect();
    charts::bars(title, colour, &bars)
}

fn range_form(period: &Period) -> String {
    let options: String = Granularity::ALL
        .into_iter()
        .map(|granularity| {
            let selected = if period.granularity == granularity {
                " selected"
            } else {
                ""
            };
            let name = granularity.as_str();
            format!("<option value=\"{name}\"{selected}>{name}</option>")
        })
        .collect();
    format!(
        "<form method=\"get\" action=\"/admin\">\
           <label>From <input type=\"date\" name=\"from\" value=\"{}\"></label>\
           <label>To <input type=\"date\" name=\"to\" value=\"{}\"></label>\
           <label>By <select name=\"granularity\">{options}</select></label>\
           <button type=\"submit\">Show</button>\
         </form>",
        period.from, period.to,
    )
}

async fn render(
    conn: &mut AsyncPgConnection,
    organization: &Organization,
    period: &Period,
) -> ApiResult<String> {
    let query = format!(
        "from={}&amp;to={}&amp;granularity={}",
        period.from,
        period.to,
        period.granularity.as_str()
    );
    let active = reports::active_users(conn, period).await?;
    let adoption = reports::adoption(conn, period).await?;
    let features = reports::feature_usage(conn, period).await?;
    let groups = reports::groups(conn, period).await?;
    let content = reports::content(conn, period).await?;
    let notifications = reports::notifications(conn, period, adoption.accounts).await?;
    let searches = reports::searches(conn, period).await?;
    let primary = organization.primary_color.as_str();
    let accent = organization.accent_color.as_str();

    let mut body = String::new();
    body.push_str("<div class=\"tiles\">");
    body.push_str(&tile(
        "Active people",
        &active.active_users.to_string(),
        "at least once in the range",
    ));
    body.push_str(&tile(
        "Average DAU",
        &format!("{:.0}", active.average_dau),
        &format!("MAU {:.0}", active.average_mau),
    ));
    body.push_str(&tile(
        "Stickiness",
        &percent(active.stickiness),
        "DAU ÷ MAU",
    ));
    body.push_str(&tile(
        "Adoption",
        &percent(adoption.active_share),
        &format!(
            "{} of {} accounts",
            adoption.active_accounts, adoption.accounts
        ),
    ));
    body.push_str(&tile(
        "Never activated",
        &adoption.never_activated.unwrap_or_default().to_string(),
        &format!(
            "{} invitations open",
            adoption.open_invitations.unwrap_or_default()
        ),
    ));
    body.push_str(&tile(
        "Notifications",
        &format!("{:.1}", notifications.per_user_per_week),
        "per person per week",
    ));
    body.push_str("</div>");

    let labels: Vec<String> = active
        .series
        .iter()
        .map(|point| point.date.0.format("%d %b").to_string())
        .collect();
    let chart = charts::lines(
        "Active users",
        &labels,
        &[
            Line {
                name: "DAU",
                colour: primary,
                values: active.series.iter().map(|point| point.dau).collect(),
            },
            Line {
                name: "WAU",
                colour: accent,
                values: active.series.iter().map(|point| point.wau as f64).collect(),
            },
            Line {
                name: "MAU",
                colour: "#7a8699",
                values: active.series.iter().map(|point| point.mau as f64).collect(),
            },
        ],
    );
    body.push_str(&section(
        "Active users",
        Some(Report::ActiveUsers),
        &query,
        &chart,
    ));

    let feature_bars: Vec<(String, f64, String)> = features
        .iter()
        .map(|usage| {
            (
                usage.feature.replace('_', " "),
                usage.events as f64,
                format!("{} · {}", usage.events, percent(usage.share)),
            )
        })
        .collect();
    body.push_str(&section(
        "Feature usage",
        Some(Report::FeatureUsage),
        &query,
        &charts::bars("Feature usage", primary, &feature_bars),
    ));

    body.push_str(&section(
        "Average daily active people by department",
        Some(Report::ActiveUsersByDepartment),
        &query,
        &breakdown_bars("Active people by department", accent, &active.by_department),
    ));
    body.push_str(&section(
        "Average daily active people by site",
        Some(Report::ActiveUsersBySite),
        &query,
        &breakdown_bars("Active people by site", primary, &active.by_site),
    ));

    let group_rows = |list: &[reports::GroupActivity]| -> Vec<Vec<String>> {
        list.iter()
            .map(|group| {
                vec![
                    group.name.clone(),
                    group.members.to_string(),
                    group.events.to_string(),
                    group.active_members.to_string(),
                    group.outside_readers.to_string(),
                    format!(
                        "+{} ({})",
                        group.joined,
                        group.growth.map_or_else(|| "new".to_owned(), percent)
                    ),
                ]
            })
            .collect()
    };
    let columns = [
        "Group",
        "Members",
        "Members' events",
        "Active members",
        "Readers from outside",
        "Joined",
    ];
    let groups_html = format!(
        "<h3>Most active</h3>{}<h3>Fastest growing</h3>{}<h3>Silent ({} groups)</h3>{}",
        table(&columns, group_rows(&groups.most_active)),
        table(&columns, group_rows(&groups.fastest_growing)),
        groups.silent_count,
        table(&columns, group_rows(&groups.silent)),
    );
    body.push_str(&section(
        "Groups",
        Some(Report::Groups),
        &query,
        &groups_html,
    ));

    let posts: Vec<Vec<String>> = content
        .top_posts
        .iter()
        .map(|post| {
            vec![
                post.headline.clone(),
                post.published_at.format("%Y-%m-%d").to_string(),
                format!(
                    "{} ({} of {})",
                    percent(post.reach),
                    post.reached,
                    post.audience
                ),
                post.outside_viewers.to_string(),
                format!("{} · {}", post.reactions, post.comments),
                post.acknowledgement_rate.map(percent).unwrap_or_default(),
            ]
        })
        .collect();
    let content_html = format!(
        "<div class=\"tiles\">{}{}{}</div>{}",
        tile(
            "Posts",
            &content.posts.to_string(),
            "published in the range"
        ),
        tile(
            "Average reach",
            &percent(content.average_reach),
            &format!("engagement {}", percent(content.engagement_rate)),
        ),
        tile(
            "Acknowledged",
            &content
                .acknowledgement_rate
                .map(percent)
                .unwrap_or("–".into()),
            &format!("{} announcements", content.announcements),
        ),
        table(
            &[
                "Top posts",
                "Published",
                "Reach (opened, of the audience)",
                "Viewers from outside",
                "Reactions · comments",
                "Acknowledged"
            ],
            posts,
        ),
    );
    body.push_str(&section(
        "Content",
        Some(Report::Posts),
        &query,
        &content_html,
    ));

    let notification_bars: Vec<(String, f64)> = notifications
        .series
        .iter()
        .map(|point| {
            (
                point.date.0.format("%d %b").to_string(),
                point.per_user_per_week,
            )
        })
        .collect();
    body.push_str(&section(
        "Notifications per person per week",
        Some(Report::Notifications),
        &query,
        &charts::columns(
            "Notifications per person per week",
            accent,
            &notification_bars,
        ),
    ));

    let missed: Vec<Vec<String>> = searches
        .top_without_results
        .iter()
        .map(|missed| vec![missed.query.clone(), missed.searches.to_string()])
        .collect();
    let searches_html = format!(
        "<p>{} searches, {} without results ({}).</p>{}",
        searches.searches,
        searches.without_results,
        percent(searches.share_without_results),
        table(&["Searched for, found nothing", "Times"], missed)
    );
    body.push_str(&section(
        "Searches",
        Some(Report::Searches),
        &query,
        &searches_html,
    ));

    let adoption_link = format!(
        "<p class=\"exports\">Also as CSV: <a href=\"/admin/analytics/{}.csv?{query}\">adoption</a></p>",
        Report::Adoption.slug()
    );
    Ok(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Analytics · {name}</title><style>{STYLE}:root{{--brand:{}}}</style></head>\
         <body><header><h1>{name} · analytics</h1><p>{} to {} ({}), days in {}</p>{}</header>\
         <main>{body}{adoption_link}</main></body></html>",
        escape(primary),
        period.from,
        period.to,
        period.granularity.as_str(),
        escape(&period.time_zone),
        range_form(period),
        name = escape(&organization.name),
    ))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}\
header{background:var(--brand);color:#fff;padding:1rem 2rem}header h1{margin:0 0 .3rem}header p{margin:.2rem 0}\
header form{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin-top:.5rem}header label{font-size:.85rem}\
header input,header select,header button{display:block;padding:.3rem;border-radius:4px;border:0}\
main{max-width:76rem;margin:0 auto;padding:1rem 2rem}\
section{background:#fff;border-radius:10px;box-shadow:0 1px 6px #0001;padding:1rem 1.25rem;margin:1rem 0}\
h2{margin:0 0 .6rem;font-size:1.15rem;display:flex;justify-content:space-between}h3{font-size:1rem;margin:.8rem 0 .3rem}\
.csv{font-size:.8rem;font-weight:normal;color:var(--brand)}\
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem;margin:1rem 0}\
.tile{background:#fff;border-radius:10px;box-shadow:0 1px 6px #0001;padding:.8rem 1rem;display:flex;flex-direction:column}\
.tile span{font-size:.8rem;color:#5b6474}.tile strong{font-size:1.8rem;color:var(--brand)}.tile small{color:#5b6474}\
section .tiles .tile{box-shadow:none;background:#f4f5f7}\
svg{width:100%;height:auto}.grid{stroke:#e3e6eb}.axis,.label,.value{font-size:11px;fill:#5b6474}.label{fill:#1d2330}\
.legend span{margin-right:1rem;font-size:.85rem}.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}\
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eceef2}\
th{color:#5b6474;font-weight:600}.empty{color:#5b6474}.exports{font-size:.85rem}";
