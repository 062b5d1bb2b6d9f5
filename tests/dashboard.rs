//! The `/admin` dashboard and the CSV exports over the demo organization's 90 days, checked in a
//! real headless Chromium that takes a screenshot (kept in the test run's target directory).

mod common;

use common::TestApp;
use common::js::js_dir;
use parvis::users::OrgRole;
use serde_json::{Value, json};

/// Seeds the demo and signs its admin in; returns the session cookie's value.
async fn demo_admin_session(app: &TestApp) -> String {
    let mut conn = app.db().connect().await.unwrap();
    parvis::demo::seed(&mut conn, &app.app.services.storage)
        .await
        .unwrap();
    let response = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": "mutation { signIn(input: { identifier: \"helene.dubois\", password: \"parvis-demo-2026\" }) { user { orgRole } } }" }))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| value.strip_prefix("parvis_session="))
        .and_then(|rest| rest.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["signIn"]["user"]["orgRole"], "ADMIN");
    cookie
}

/// Waits until the demo's notifications are delivered, then rolls the activity up.
async fn demo_notified(app: &TestApp) {
    common::wait_for_no_job(app, "notify").await;
    parvis::analytics::rollup::roll_up_now(&app.app.services)
        .await
        .unwrap();
}

/// An admin page of the 90 days ending today.
async fn admin_page(app: &TestApp, session: &str, path: &str) -> String {
    let response = app
        .http
        .get(app.url(path))
        .header("cookie", format!("parvis_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// A CSV export's rows, its header first.
async fn admin_csv(app: &TestApp, session: &str, report: &str) -> Vec<Vec<String>> {
    admin_page(app, session, &format!("/admin/analytics/{report}.csv"))
        .await
        .lines()
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_shows_the_demo_in_real_charts_in_chromium() {
    let app = TestApp::spawn().await;
    let session = demo_admin_session(&app).await;
    let screenshot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("admin-dashboard.png");
    let output = tokio::process::Command::new("node")
        .arg(js_dir().join("dashboard-screenshot.mjs"))
        .arg(app.url(""))
        .arg(&session)
        .arg(&screenshot)
        .output()
        .await
        .expect("node runs the browser script");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rendered: Value = serde_json::from_slice(&output.stdout).unwrap();
    println!("dashboard screenshot: {}", screenshot.display());
    assert_eq!(rendered["status"], 200, "{rendered}");
    assert_eq!(rendered["blocked"], json!([]), "no request leaves the page");
    assert_eq!(
        rendered["polylines"],
        json!([90, 90, 90]),
        "DAU, WAU and MAU over the 90 days"
    );
    assert!(rendered["bars"].as_u64().unwrap() > 20, "{rendered}");
    assert!(rendered["tables"].as_u64().unwrap() > 5, "{rendered}");
    assert!(
        rendered["chartWidth"].as_f64().unwrap() > 600.0,
        "{rendered}"
    );
    assert!(rendered["labels"].as_u64().unwrap() > 50, "{rendered}");
    assert_eq!(
        rendered["clipped"],
        json!([]),
        "every label fits inside its chart"
    );
    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "{} bytes",
        png.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_weekday_peaks_a_launch_spike_and_a_silent_department() {
    let app = TestApp::spawn().await;
    let session = demo_admin_session(&app).await;
    let csv = app
        .http
        .get(app.url("/admin/analytics/active-users.csv"))
        .header("cookie", format!("parvis_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"active-users-")
    );
    let body = csv.text().await.unwrap();
    let rows: Vec<Vec<&str>> = body
        .lines()
        .skip(1)
        .map(|line| line.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 90);
    let dau = |row: &Vec<&str>| row[1].parse::<f64>().unwrap();
    let peak = rows.iter().map(dau).fold(0.0, f64::max);
    let pilot = rows[..20].iter().map(dau).fold(0.0, f64::max);
    assert!(
        peak > 3.0 * pilot,
        "the launch shows: peak {peak}, pilot {pilot}"
    );
    let weekday = |row: &Vec<&str>| {
        chrono::NaiveDate::parse_from_str(row[0], "%Y-%m-%d")
            .unwrap()
            .format("%u")
            .to_string()
            .parse::<u32>()
            .unwrap()
    };
    let (weekends, weekdays): (Vec<&Vec<&str>>, Vec<&Vec<&str>>) =
        rows[40..].iter().partition(|row| weekday(row) >= 6);
    let average =
        |days: &[&Vec<&str>]| days.iter().map(|row| dau(row)).sum::<f64>() / days.len() as f64;
    assert!(average(&weekdays) > 3.0 * average(&weekends));

    let departments = app
        .http
        .get(app.url("/admin/analytics/active-users-by-department.csv"))
        .header("cookie", format!("parvis_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let last = departments.lines().last().unwrap();
    assert!(last.starts_with("Finance,"), "{departments}");
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_and_the_dashboard_are_for_admins() {
    let app = TestApp::spawn().await;
    let member = app.member("member").await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let get = |path: &str, token: Option<&str>| {
        let mut request = app.http.get(app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(
        get("/admin/analytics/feature-usage.csv", None)
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        get("/admin/analytics/feature-usage.csv", Some(&member.token))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        get("/admin", Some(&member.token)).await.unwrap().status(),
        403
    );
    let signed_out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.headers()["location"], "/login?redirect=%2Fadmin");
    for report in [
        "active-users",
        "active-users-by-department",
        "active-users-by-site",
        "adoption",
        "feature-usage",
        "groups",
        "posts",
        "notifications",
        "searches",
    ] {
        let response = get(
            &format!(
                "/admin/analytics/{report}.csv?from=2026-11-01&to=2026-11-30&granularity=week"
            ),
            Some(&admin.token),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200, "{report}");
        assert!(
            response.text().await.unwrap().lines().count() >= 1,
            "{report}"
        );
    }
    let reversed = get(
        "/admin/analytics/adoption.csv?from=2026-11-30&to=2026-11-01",
        Some(&admin.token),
    )
    .await
    .unwrap();
    assert_eq!(reversed.status(), 400);
    assert!(
        reversed
            .text()
            .await
            .unwrap()
            .contains("must not be before")
    );
    assert_eq!(
        get("/admin/analytics/secrets.csv", Some(&admin.token))
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demos_notifications_make_no_one_active_and_finance_stays_silent() {
    let app = TestApp::spawn().await;
    let session = demo_admin_session(&app).await;
    demo_notified(&app).await;

    let adoption = admin_csv(&app, &session, "adoption").await;
    let share: f64 = adoption[1][2].parse().unwrap();
    assert!(share < 0.9, "Finance never took to it: {adoption:?}");
    let features = admin_csv(&app, &session, "feature-usage").await;
    assert_eq!(features[1][0], "posts", "{features:?}");
    let departments = admin_csv(&app, &session, "active-users-by-department").await;
    let finance = departments
        .iter()
        .find(|row| row[0] == "Finance")
        .map_or(0, |row| row[1].parse::<i64>().unwrap());
    assert!(finance <= 2, "{departments:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_heads_untitled_posts_by_their_text_and_shows_new_groups_as_new() {
    let app = TestApp::spawn().await;
    let session = demo_admin_session(&app).await;
    let html = admin_page(&app, &session, "/admin").await;
    assert!(!html.contains("(untitled)"), "{html}");
    assert!(!html.contains("1000 %"), "{html}");
    assert!(html.contains(" (new)</td>"), "{html}");
}
