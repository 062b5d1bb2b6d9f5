//! Analytics: activity captured off the request path, rolled up per organization day, reported
//! to admins (the organization) and managers (their groups).

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{TestApp, TestUser, error_code};
use diesel_async::RunQueryDsl;
use parvis::analytics::{Activity, ActivityKind, activity, rollup};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const ANALYTICS: &str = "query($input: AnalyticsInput!) { analytics(input: $input) {
  from to granularity timeZone
  activeUsers { activeUsers averageDau stickiness series { date dau wau mau stickiness }
                byDepartment { value activeUsers } bySite { value activeUsers } }
  adoption { accounts activeAccounts activeShare neverActivated openInvitations }
  featureUsage { feature events userDays share }
  groups { mostActive { groupId name events activeMembers } silent { name } silentCount }
  content { posts averageReach engagementRate topPosts { postId title viewers audience reach reactions comments } }
  notifications { received opened perUserPerWeek busiestRecipients { userId displayName received opened perWeek } }
  searches { searches withoutResults topWithoutResults { query searches } }
} }";

async fn analytics(app: &TestApp, viewer: &TestUser, input: Value) -> Value {
    app.graphql(Some(viewer), ANALYTICS, json!({ "input": input }))
        .await
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn days_ago(days: i64) -> NaiveDate {
    today() - Duration::days(days)
}

/// Noon (UTC) of a day some days ago.
fn noon(days: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&days_ago(days).and_hms_opt(12, 0, 0).unwrap())
}

async fn write_history(app: &TestApp, activities: &[Activity]) {
    let mut conn = app.db().connect().await.unwrap();
    activity::append_in(&mut conn, activities).await.unwrap();
    rollup::roll_up_now(&app.app.services).await.unwrap();
}

async fn roll_up(app: &TestApp) {
    rollup::roll_up_now(&app.app.services).await.unwrap();
}

fn range(from: NaiveDate, to: NaiveDate) -> Value {
    json!({ "from": from.to_string(), "to": to.to_string() })
}

fn feature<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["data"]["analytics"]["featureUsage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["feature"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn what_people_do_through_the_api_shows_in_todays_reports() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let camille = app.member("camille").await;
    let group = app
        .create_group(&camille, "Équipe Lyon", Visibility::Public)
        .await;
    let created = app
        .graphql(
            Some(&camille),
            "mutation($g: ID!) { createPost(input: { groupIds: [$g], title: \"Bienvenue\", body: \"Salut\" }) { post { id } } }",
            json!({ "g": group.id }),
        )
        .await;
    let post = created["data"]["createPost"]["post"]["id"].clone();
    let opened = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { post(id: $id) { id } }",
            json!({ "id": post }),
        )
        .await;
    assert!(opened["errors"].is_null(), "{opened}");
    app.graphql(
        Some(&camille),
        "mutation($p: ID!) { addComment(input: { postId: $p, body: \"Merci\" }) { comment { id } } }",
        json!({ "p": post }),
    )
    .await;
    app.graphql(
        Some(&admin),
        "{ users(filter: { query: \"Zébulon\" }) { totalCount } }",
        json!({}),
    )
    .await;
    app.graphql(
        Some(&camille),
        "{ search(query: \"zébulon\") { edges { cursor } } }",
        json!({}),
    )
    .await;
    roll_up(&app).await;

    let report = analytics(&app, &admin, range(today(), today())).await;
    assert!(report["errors"].is_null(), "{report}");
    let analytics = &report["data"]["analytics"];
    assert_eq!(analytics["activeUsers"]["series"][0]["dau"], 2.0);
    assert_eq!(
        feature(&report, "posts")["events"],
        3,
        "created, viewed twice"
    );
    assert_eq!(feature(&report, "comments")["events"], 1);
    assert_eq!(analytics["searches"]["withoutResults"], 2);
    assert_eq!(
        analytics["searches"]["topWithoutResults"][0],
        json!({ "query": "zebulon", "searches": 2 }),
        "the directory's search and the search box's"
    );
    let top = &analytics["content"]["topPosts"][0];
    assert_eq!(top["title"], "Bienvenue");
    assert_eq!(top["viewers"], 2, "{top}");
    assert_eq!(top["audience"], 1);
    assert_eq!(top["reach"], 1.0, "the admin is not in the audience");
    assert_eq!(top["comments"], 1);
    assert_eq!(analytics["groups"]["mostActive"][0]["name"], "Équipe Lyon");
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_waits_for_nothing_and_lands_within_a_second() {
    let app = TestApp::spawn().await;
    let someone = app.member("someone").await;
    app.app
        .services
        .activity
        .record(Activity::by(someone.uuid, ActivityKind::SignedIn));
    let mut conn = app.db().connect().await.unwrap();
    let mut rows = 0;
    for _ in 0..30 {
        rows = diesel::sql_query("SELECT 1 FROM activity_events")
            .execute(&mut conn)
            .await
            .unwrap();
        if rows > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rows, 1, "the batch is written by the recorder's own task");
    let dirty = diesel::sql_query("SELECT day FROM activity_dirty_days")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(dirty, 1, "its day waits for the rollup");
}

#[tokio::test(flavor = "multi_thread")]
async fn weekly_and_monthly_active_users_count_people_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let anne = app.member("anne").await;
    let bruno = app.member("bruno").await;
    write_history(
        &app,
        &[
            Activity::at(noon(10), anne.uuid, ActivityKind::SignedIn),
            Activity::at(noon(3), bruno.uuid, ActivityKind::SignedIn),
            Activity::at(noon(1), anne.uuid, ActivityKind::PostViewed),
            Activity::at(noon(1), anne.uuid, ActivityKind::Reacted),
        ],
    )
    .await;
    let report = analytics(&app, &admin, range(days_ago(3), days_ago(1))).await;
    let series = report["data"]["analytics"]["activeUsers"]["series"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(series.len(), 3);
    assert_eq!(
        (&series[0]["dau"], &series[0]["wau"], &series[0]["mau"]),
        (&json!(1.0), &json!(1), &json!(2)),
        "three days ago: Bruno that day, Anne ten days ago"
    );
    assert_eq!(
        (&series[2]["dau"], &series[2]["wau"], &series[2]["mau"]),
        (&json!(1.0), &json!(2), &json!(2)),
        "yesterday: Anne twice counts once"
    );
    assert_eq!(report["data"]["analytics"]["activeUsers"]["activeUsers"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn days_are_the_organizations_and_move_with_its_time_zone() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let late = Utc.from_utc_datetime(&days_ago(3).and_hms_opt(23, 30, 0).unwrap());
    write_history(
        &app,
        &[Activity::at(late, admin.uuid, ActivityKind::SignedIn)],
    )
    .await;
    let dau_on = |report: &Value, index: usize| {
        report["data"]["analytics"]["activeUsers"]["series"][index]["dau"].clone()
    };
    let utc = analytics(&app, &admin, range(days_ago(3), days_ago(2))).await;
    assert_eq!((dau_on(&utc, 0), dau_on(&utc, 1)), (json!(1.0), json!(0.0)));

    let moved = app
        .graphql(
            Some(&admin),
            "mutation { updateOrganization(input: { timeZone: \"Europe/Paris\" }) { organization { name } } }",
            json!({}),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    roll_up(&app).await;
    let paris = analytics(&app, &admin, range(days_ago(3), days_ago(2))).await;
    assert_eq!(paris["data"]["analytics"]["timeZone"], "Europe/Paris");
    assert_eq!(
        (dau_on(&paris, 0), dau_on(&paris, 1)),
        (json!(0.0), json!(1.0)),
        "23:30 UTC is past midnight in Paris"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn weeks_and_months_group_the_days() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { activeUsers { series { date } } notifications { series { date } } } }",
            json!({ "input": { "from": from.to_string(), "to": "2026-03-15", "granularity": "MONTH" } }),
        )
        .await;
    let dates: Vec<&str> = report["data"]["analytics"]["activeUsers"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-01-01", "2026-02-01", "2026-03-01"]);
    let weekly = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { activeUsers { series { date } } } }",
            json!({ "input": { "from": "2026-11-04", "to": "2026-11-17", "granularity": "WEEK" } }),
        )
        .await;
    assert_eq!(
        weekly["data"]["analytics"]["activeUsers"]["series"],
        json!([{ "date": "2026-11-02" }, { "date": "2026-11-09" }, { "date": "2026-11-16" }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reversed_overlong_ranges_and_other_time_zones_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    for (input, field) in [
        (
            json!({ "from": "2026-11-02", "to": "2026-11-01" }),
            "input.to",
        ),
        (
            json!({ "from": "2024-01-01", "to": "2026-11-01" }),
            "input.from",
        ),
        (
            json!({ "from": "2026-11-01", "to": "2026-11-02", "timeZone": "Mars/Olympus" }),
            "input.timeZone",
        ),
        (
            json!({ "from": "2026-11-01", "to": "2026-11-02", "timeZone": "Asia/Tokyo" }),
            "input.timeZone",
        ),
    ] {
        let refused = analytics(&app, &admin, input.clone()).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{input}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], field,
            "{refused}"
        );
    }
    let same_zone = analytics(
        &app,
        &admin,
        json!({ "from": "2026-11-01", "to": "2026-11-02", "timeZone": "UTC" }),
    )
    .await;
    assert!(same_zone["errors"].is_null(), "{same_zone}");
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_see_their_groups_analytics_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let manager = app.member("manager").await;
    let managed = app
        .create_group(&owner, "Managed", Visibility::Public)
        .await;
    let joined = app.create_group(&owner, "Joined", Visibility::Public).await;
    let secret = app.create_group(&owner, "Secret", Visibility::Secret).await;
    app.add_member(&managed, &manager, GroupRole::Manager).await;
    app.add_member(&joined, &manager, GroupRole::Member).await;
    write_history(
        &app,
        &[
            Activity::at(noon(1), owner.uuid, ActivityKind::PostViewed)
                .in_group(Some(managed.uuid)),
            Activity::at(noon(1), owner.uuid, ActivityKind::PostViewed).in_group(Some(joined.uuid)),
            Activity::at(noon(1), manager.uuid, ActivityKind::SignedIn),
        ],
    )
    .await;
    let scoped = |group: &str| json!({ "from": days_ago(1).to_string(), "to": days_ago(1).to_string(), "groupId": group });

    let own = analytics(&app, &manager, scoped(&managed.id)).await;
    assert!(own["errors"].is_null(), "{own}");
    assert_eq!(own["data"]["analytics"]["activeUsers"]["activeUsers"], 1);
    assert_eq!(feature(&own, "posts")["events"], 1);
    assert_eq!(
        feature(&own, "sign_in")["events"],
        0,
        "sign-ins are not in a group"
    );
    assert_eq!(own["data"]["analytics"]["adoption"]["accounts"], 2);
    assert!(own["data"]["analytics"]["adoption"]["neverActivated"].is_null());

    assert_eq!(
        error_code(&analytics(&app, &manager, scoped(&joined.id)).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&analytics(&app, &manager, scoped(&secret.id)).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&analytics(&app, &manager, range(days_ago(1), days_ago(1))).await),
        "FORBIDDEN",
        "the organization's analytics are for admins"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn adoption_counts_accounts_never_activated_and_silent_groups() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let quiet = app.member("quiet").await;
    app.create_group(&quiet, "Club photo", Visibility::Public)
        .await;
    app.graphql(
        Some(&admin),
        "mutation { createAccount(input: { username: \"nouveau\", displayName: \"Nouveau\" }) { activationCode } }",
        json!({}),
    )
    .await;
    write_history(
        &app,
        &[Activity::at(noon(0), admin.uuid, ActivityKind::SignedIn)],
    )
    .await;
    let report = analytics(&app, &admin, range(today(), today())).await;
    let adoption = &report["data"]["analytics"]["adoption"];
    assert_eq!(adoption["accounts"], 2);
    assert_eq!(adoption["activeAccounts"], 1);
    assert_eq!(adoption["activeShare"], 0.5);
    assert_eq!(adoption["neverActivated"], 1);
    let groups = &report["data"]["analytics"]["groups"];
    assert_eq!(groups["silentCount"], 1);
    assert_eq!(groups["silent"][0]["name"], "Club photo");
    let least_used = report["data"]["analytics"]["featureUsage"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(least_used["events"], 0, "unused features are listed last");
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_activity_is_append_only_and_expires_but_rollups_stay() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    write_history(
        &app,
        &[
            Activity::at(noon(100), admin.uuid, ActivityKind::SignedIn),
            Activity::at(noon(1), admin.uuid, ActivityKind::SignedIn),
        ],
    )
    .await;
    let mut conn = app.db().connect().await.unwrap();
    let refused = diesel::sql_query("UPDATE activity_events SET feature = 'x'")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err(), "rows never change");
    diesel::sql_query("UPDATE organization SET activity_retention_days = 30")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(rollup::delete_expired(&mut conn).await.unwrap(), 1);
    let report = analytics(&app, &admin, range(days_ago(100), days_ago(100))).await;
    assert_eq!(
        report["data"]["analytics"]["activeUsers"]["series"][0]["dau"], 1.0,
        "the day's rollup outlives its raw rows"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_received_and_opened_show_who_gets_the_most() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let camille = app.member("camille").await;
    let zoe = app.member("zoe").await;
    let group = app
        .create_group(&camille, "Équipe Lyon", Visibility::Public)
        .await;
    app.add_member(&group, &zoe, GroupRole::Member).await;
    for body in ["Bonjour @zoe", "Encore toi @zoe"] {
        let created = app
            .graphql(
                Some(&camille),
                "mutation($g: ID!, $b: String!) { createPost(input: { groupIds: [$g], body: $b }) { post { id } } }",
                json!({ "g": group.id, "b": body }),
            )
            .await;
        assert!(created["errors"].is_null(), "{created}");
    }
    common::wait_until(
        || async {
            let counted = app
                .graphql(
                    Some(&zoe),
                    "{ viewer { unreadNotificationCount } }",
                    json!({}),
                )
                .await;
            counted["data"]["viewer"]["unreadNotificationCount"] == 2
        },
        "two mentions",
    )
    .await;
    let read = app
        .graphql(
            Some(&zoe),
            "mutation { markNotificationsRead(input: {}) { unreadNotificationCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["data"]["markNotificationsRead"]["unreadNotificationCount"], 0,
        "{read}"
    );
    roll_up(&app).await;

    let report = analytics(&app, &admin, range(today(), today())).await;
    let notifications = &report["data"]["analytics"]["notifications"];
    assert_eq!(notifications["received"], 2, "{report}");
    assert_eq!(notifications["opened"], 2);
    let busiest = &notifications["busiestRecipients"][0];
    assert_eq!(busiest["userId"], zoe.id.as_str());
    assert_eq!(busiest["received"], 2);
    assert_eq!(busiest["perWeek"], 14.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn receiving_a_notification_is_not_something_its_recipient_did() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let camille = app.member("camille").await;
    let zoe = app.member("zoe").await;
    let group = app
        .create_group(&camille, "Équipe Lyon", Visibility::Public)
        .await;
    app.add_member(&group, &zoe, GroupRole::Member).await;
    let created = app
        .graphql(
            Some(&camille),
            "mutation($g: ID!) { createPost(input: { groupIds: [$g], body: \"Bonjour @zoe\" }) { post { id } } }",
            json!({ "g": group.id }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    common::wait_until(
        || async {
            let counted = app
                .graphql(
                    Some(&zoe),
                    "{ viewer { unreadNotificationCount } }",
                    json!({}),
                )
                .await;
            counted["data"]["viewer"]["unreadNotificationCount"] == 1
        },
        "the mention",
    )
    .await;
    roll_up(&app).await;

    let report = analytics(&app, &admin, range(today(), today())).await;
    let analytics = &report["data"]["analytics"];
    assert_eq!(
        analytics["activeUsers"]["activeUsers"], 1,
        "Camille posted; Zoé only got told: {report}"
    );
    assert_eq!(analytics["adoption"]["activeAccounts"], 1);
    assert_eq!(feature(&report, "notifications")["events"], 0);
    assert_eq!(
        analytics["notifications"]["received"], 1,
        "the notifications report still counts it"
    );
    assert_eq!(analytics["groups"]["mostActive"][0]["activeMembers"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_groups_activity_is_its_members_and_readers_from_outside_are_its_reach() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let group = app
        .create_group(&owner, "Site de Paris", Visibility::Public)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    let outsiders = [app.member("lea").await, app.member("noe").await];
    let mut history = vec![
        Activity::at(noon(1), member.uuid, ActivityKind::PostViewed).in_group(Some(group.uuid)),
        Activity::at(noon(1), member.uuid, ActivityKind::Reacted).in_group(Some(group.uuid)),
    ];
    for outsider in &outsiders {
        history.push(
            Activity::at(noon(1), outsider.uuid, ActivityKind::PostViewed)
                .in_group(Some(group.uuid)),
        );
    }
    write_history(&app, &history).await;

    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { groups {
               mostActive { name members events activeMembers outsideReaders } } } }",
            json!({ "input": range(days_ago(1), days_ago(1)) }),
        )
        .await;
    assert_eq!(
        report["data"]["analytics"]["groups"]["mostActive"][0],
        json!({ "name": "Site de Paris", "members": 2, "events": 2, "activeMembers": 1, "outsideReaders": 2 }),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_without_members_before_the_range_grows_as_new() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let owner = app.member("owner").await;
    let zoe = app.member("zoe").await;
    let older = app
        .create_group(&owner, "Club photo", Visibility::Public)
        .await;
    let mut conn = app.db().connect().await.unwrap();
    diesel::sql_query("UPDATE group_memberships SET created_at = now() - interval '10 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    app.add_member(&older, &zoe, GroupRole::Member).await;
    let new = app
        .create_group(&owner, "Chorale", Visibility::Public)
        .await;
    app.add_member(&new, &zoe, GroupRole::Member).await;

    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { groups {
               fastestGrowing { name joined growth } } } }",
            json!({ "input": range(today(), today()) }),
        )
        .await;
    assert_eq!(
        report["data"]["analytics"]["groups"]["fastestGrowing"],
        json!([
            { "name": "Chorale", "joined": 2, "growth": null },
            { "name": "Club photo", "joined": 1, "growth": 1.0 },
        ]),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_without_a_title_is_headed_by_the_start_of_its_text() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let camille = app.member("camille").await;
    let group = app
        .create_group(&camille, "Équipe Lyon", Visibility::Public)
        .await;
    let body = "**Réunion d'équipe** jeudi à 10 h, salle Lumière.\n\nMerci de confirmer votre présence avant mercredi soir, s'il vous plaît !";
    let created = app
        .graphql(
            Some(&camille),
            "mutation($g: ID!, $b: String!) { createPost(input: { groupIds: [$g], body: $b }) { post { id } } }",
            json!({ "g": group.id, "b": body }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");

    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { content { topPosts { title headline } } } }",
            json!({ "input": range(today(), today()) }),
        )
        .await;
    assert_eq!(
        report["data"]["analytics"]["content"]["topPosts"][0],
        json!({
            "title": null,
            "headline": "Réunion d'équipe jeudi à 10 h, salle Lumière. Merci de confirmer votre présence…"
        }),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reach_counts_the_audience_and_viewers_from_outside_are_apart() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let camille = app.member("camille").await;
    let zoe = app.member("zoe").await;
    let group = app
        .create_group(&camille, "Équipe Lyon", Visibility::Public)
        .await;
    app.add_member(&group, &zoe, GroupRole::Member).await;
    let created = app
        .graphql(
            Some(&camille),
            "mutation($g: ID!) { createPost(input: { groupIds: [$g], title: \"Pique-nique\", body: \"Vendredi midi\" }) { post { id } } }",
            json!({ "g": group.id }),
        )
        .await;
    let post = created["data"]["createPost"]["post"]["id"].clone();
    let outsiders = [app.member("lea").await, app.member("noe").await];
    for reader in outsiders.iter().chain([&zoe]) {
        let opened = app
            .graphql(
                Some(reader),
                "query($id: ID!) { post(id: $id) { id } }",
                json!({ "id": post }),
            )
            .await;
        assert!(opened["errors"].is_null(), "{opened}");
    }

    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { content { topPosts {
               viewers audience reached reach outsideViewers } } } }",
            json!({ "input": range(today(), today()) }),
        )
        .await;
    assert_eq!(
        report["data"]["analytics"]["content"]["topPosts"][0],
        json!({ "viewers": 3, "audience": 2, "reached": 1, "reach": 0.5, "outsideViewers": 2 }),
        "{report}"
    );
}
