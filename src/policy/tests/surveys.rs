//! Surveys in every state, creating them, and newsletters.

use super::*;

#[derive(Clone, Copy, Debug)]
enum SurveyAt {
    Scheduled,
    Open,
    ClosedEarly,
    PastClosingDate,
}

fn survey(creator: Uuid, organization_wide: bool, at: SurveyAt) -> Survey {
    let now = Utc::now();
    let (opens_at, closes_at, closed_at) = match at {
        SurveyAt::Scheduled => (now + Duration::days(1), None, None),
        SurveyAt::Open => (now - Duration::days(1), Some(now + Duration::days(1)), None),
        SurveyAt::ClosedEarly => (now - Duration::days(1), None, Some(now)),
        SurveyAt::PastClosingDate => (now - Duration::days(2), Some(now - Duration::days(1)), None),
    };
    Survey {
        id: Uuid::new_v4(),
        title: "How are we doing?".into(),
        description: String::new(),
        anonymous: false,
        organization_wide,
        opens_at,
        closes_at,
        closed_at,
        created_by: Some(creator),
        created_at: now,
        min_responses: 5,
    }
}

/// A viewer with a survey's groups as they stand towards each, and whether they answered it.
type SurveyViewer = (Viewer, Vec<GroupAccess>, bool);

/// The viewers of a survey for two groups: org roles, managers of one or both, a member, a guest
/// member, one who already answered, and its creator (who is in neither group).
fn survey_table(title: &str, organization_wide: bool, at: SurveyAt, rows: &[&str]) {
    use Relation::Role;
    let creator = viewer(OrgRole::Member);
    let survey = survey(creator.id(), organization_wide, at);
    let (first, second) = (open_group(), open_group());
    let both = |relation: Relation| vec![access(&first, relation), access(&second, relation)];
    let columns: Vec<(&str, SurveyViewer)> = vec![
        (
            "org admin",
            (viewer(OrgRole::Admin), both(Relation::None), false),
        ),
        (
            "org member",
            (viewer(OrgRole::Member), both(Relation::None), false),
        ),
        (
            "guest",
            (viewer(OrgRole::Guest), both(Relation::None), false),
        ),
        (
            "manager of one",
            (
                viewer(OrgRole::Member),
                vec![
                    access(&first, Role(GroupRole::Manager)),
                    access(&second, Relation::None),
                ],
                false,
            ),
        ),
        (
            "manager of both",
            (viewer(OrgRole::Member), both(Role(GroupRole::Owner)), false),
        ),
        (
            "group member",
            (
                viewer(OrgRole::Member),
                both(Role(GroupRole::Member)),
                false,
            ),
        ),
        (
            "guest member",
            (viewer(OrgRole::Guest), both(Role(GroupRole::Member)), false),
        ),
        (
            "answered",
            (viewer(OrgRole::Member), both(Role(GroupRole::Member)), true),
        ),
        ("creator", (creator, both(Relation::None), false)),
    ];
    table(
        title,
        &columns,
        rows,
        |(viewer, groups, answered), action| {
            let groups: &[GroupAccess] = if organization_wide { &[] } else { groups };
            can(
                viewer,
                action,
                Resource::Survey {
                    survey: Some(&survey),
                    groups,
                    answered: *answered,
                },
            )
        },
    );
}

#[test]
fn group_surveys_in_each_state() {
    //                  adm mem gst  one both gmb gstm ans  cre
    survey_table(
        "an open survey for two groups",
        false,
        SurveyAt::Open,
        &[
            "View          A   H   H |  A   A    A   A    A |  A",
            "Answer        D   H   H |  A   A    A   A    D |  D",
            "ViewContent   A   H   H |  A   A    D   D    D |  A",
            "Manage        A   H   H |  D   A    D   D    D |  A",
            "Delete        D   H   H |  D   D    D   D    D |  D",
            "Edit          D   H   H |  D   D    D   D    D |  D",
        ],
    );
    survey_table(
        "a scheduled survey for two groups",
        false,
        SurveyAt::Scheduled,
        &[
            "View          A   H   H |  A   A    A   A    A |  A",
            "Answer        D   H   H |  D   D    D   D    D |  D",
            "ViewContent   A   H   H |  A   A    D   D    D |  A",
            "Manage        A   H   H |  D   A    D   D    D |  A",
        ],
    );
    let closed = [
        "View          A   H   H |  A   A    A   A    A |  A",
        "Answer        D   H   H |  D   D    D   D    D |  D",
        "ViewContent   A   H   H |  A   A    D   D    D |  A",
        "Manage        D   H   H |  D   D    D   D    D |  D",
    ];
    survey_table(
        "a survey closed early",
        false,
        SurveyAt::ClosedEarly,
        &closed,
    );
    survey_table(
        "a survey past its closing date",
        false,
        SurveyAt::PastClosingDate,
        &closed,
    );
}

#[test]
fn organization_wide_surveys() {
    //                  adm mem gst  one both gmb gstm ans  cre
    survey_table(
        "an open organization-wide survey",
        true,
        SurveyAt::Open,
        &[
            "View          A   A   H |  A   A    A   H    A |  A",
            "Answer        A   A   H |  A   A    A   H    D |  A",
            "ViewContent   A   D   H |  D   D    D   H    D |  A",
            "Manage        A   D   H |  D   D    D   H    D |  A",
        ],
    );
    survey_table(
        "a closed organization-wide survey",
        true,
        SurveyAt::ClosedEarly,
        &[
            "View          A   A   H |  A   A    A   H    A |  A",
            "Answer        D   D   H |  D   D    D   H    D |  D",
            "ViewContent   A   D   H |  D   D    D   H    D |  A",
            "Manage        D   D   H |  D   D    D   H    D |  D",
        ],
    );
}

#[test]
fn creating_surveys() {
    use Relation::Role;
    let (first, second) = (open_group(), open_group());
    let columns: Vec<(&str, (Viewer, Vec<GroupAccess>))> = vec![
        (
            "org admin, organization-wide",
            (viewer(OrgRole::Admin), vec![]),
        ),
        (
            "communicator, organization-wide",
            (communicator(OrgRole::Member), vec![]),
        ),
        (
            "org admin, any groups",
            (viewer(OrgRole::Admin), vec![access(&first, Relation::None)]),
        ),
        (
            "manager of both groups",
            (
                viewer(OrgRole::Member),
                vec![
                    access(&first, Role(GroupRole::Manager)),
                    access(&second, Role(GroupRole::Owner)),
                ],
            ),
        ),
        (
            "manager of one of two",
            (
                viewer(OrgRole::Member),
                vec![
                    access(&first, Role(GroupRole::Manager)),
                    access(&second, Role(GroupRole::Member)),
                ],
            ),
        ),
        (
            "group member",
            (
                viewer(OrgRole::Member),
                vec![access(&first, Role(GroupRole::Member))],
            ),
        ),
    ];
    table(
        "a survey about to be created",
        &columns,
        &[
            "Organize   A D A A D D",
            "View       D D D D D D",
            "Manage     D D D D D D",
        ],
        |(viewer, groups), action| {
            can(
                viewer,
                action,
                Resource::Survey {
                    survey: None,
                    groups,
                    answered: false,
                },
            )
        },
    );
}

#[test]
fn newsletters_are_for_communicators() {
    let author = communicator(OrgRole::Member);
    let now = Utc::now();
    let newsletter = |sent: bool, intro: &str| Newsletter {
        id: Uuid::new_v4(),
        subject: "News".into(),
        intro: intro.into(),
        post_ids: Vec::new(),
        event_ids: Vec::new(),
        organization_wide: true,
        group_ids: Vec::new(),
        departments: Vec::new(),
        author_id: Some(author.id()),
        created_at: now,
        updated_at: now,
        sent_at: sent.then_some(now),
        sent_by: None,
    };
    let columns = [
        ("author", author.clone()),
        ("org admin", viewer(OrgRole::Admin)),
        ("another communicator", communicator(OrgRole::Member)),
        ("member", viewer(OrgRole::Member)),
        ("guest marked communicator", communicator(OrgRole::Guest)),
    ];
    let decide = |newsletter: Newsletter| {
        move |viewer: &Viewer, action| can(viewer, action, Resource::Newsletter(&newsletter))
    };
    //             auth adm com mem gcom
    table(
        "a draft newsletter",
        &columns,
        &[
            "View     A   A   A   H   H",
            "Edit     A   D   D   H   H",
            "Delete   A   D   D   H   H",
            "Post     A   A   A   H   H",
            "Manage   D   D   D   H   H",
        ],
        decide(newsletter(false, "Hello")),
    );
    table(
        "an empty draft newsletter",
        &columns,
        &["Post   D D D H H", "Edit   A D D H H"],
        decide(newsletter(false, "")),
    );
    table(
        "a sent newsletter",
        &columns,
        &[
            "View     A   A   A   H   H",
            "Edit     D   D   D   H   H",
            "Delete   D   D   D   H   H",
            "Post     D   D   D   H   H",
        ],
        decide(newsletter(true, "Hello")),
    );
}
