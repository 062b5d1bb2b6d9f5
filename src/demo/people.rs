//! The demo people: fifty French and English names across seven departments and five sites;
//! the first runs the intranet, the last is an external consultant (a guest).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::DEMO_PASSWORD;
use crate::auth::password;
use crate::error::ApiResult;
use crate::users::{NewUser, OrgRole, model as users};
use crate::validation;

const PEOPLE: &[(&str, &str)] = &[
    ("Hélène", "Dubois"),
    ("Amélie", "Lefèvre"),
    ("François", "Moreau"),
    ("Zoé", "Laurent"),
    ("Jérôme", "Girard"),
    ("Céline", "Bonnet"),
    ("Loïc", "Mercier"),
    ("Maëlle", "Fontaine"),
    ("Noël", "Chevalier"),
    ("Inès", "Rousseau"),
    ("Benoît", "Garnier"),
    ("Élodie", "Faure"),
    ("Raphaël", "André"),
    ("Chloé", "Lemaire"),
    ("Gaëtan", "Perrin"),
    ("Léa", "Barbier"),
    ("Théo", "Muller"),
    ("Anaïs", "Roux"),
    ("Sébastien", "Fournier"),
    ("Camille", "Morel"),
    ("Olivia", "Smith"),
    ("James", "Johnson"),
    ("Emily", "Williams"),
    ("Oliver", "Brown"),
    ("Sophie", "Taylor"),
    ("Harry", "Davies"),
    ("Grace", "Evans"),
    ("Jack", "Thomas"),
    ("Charlotte", "Wilson"),
    ("George", "Roberts"),
    ("Amelia", "Walker"),
    ("Noah", "Wright"),
    ("Isla", "Thompson"),
    ("Leo", "White"),
    ("Ava", "Hughes"),
    ("Oscar", "Green"),
    ("Mia", "Hall"),
    ("Arthur", "Wood"),
    ("Freya", "Clarke"),
    ("Henry", "Jackson"),
    ("Renée", "O'Brien"),
    ("Søren", "Nielsen"),
    ("Ana", "García"),
    ("Marco", "Rossi"),
    ("Yasmine", "Benali"),
    ("Kenji", "Tanaka"),
    ("Priya", "Sharma"),
    ("Lukas", "Schneider"),
    ("Agnès", "Côté"),
    ("Mathis", "Leroy"),
];

const DEPARTMENTS: &[(&str, &str)] = &[
    ("Ressources humaines", "Chargé·e RH"),
    ("Engineering", "Software Engineer"),
    ("Ventes", "Responsable commercial"),
    ("Marketing", "Marketing Manager"),
    ("Finance", "Contrôleur de gestion"),
    ("Customer Success", "Customer Success Manager"),
    ("Communication interne", "Chargée de communication"),
];

const SITES: &[&str] = &["Paris", "Lyon", "Montréal", "London", "Remote"];

/// The demo people's ids, in the order of `PEOPLE` (the first is an admin).
pub(super) async fn demo_people_ids(conn: &mut AsyncPgConnection) -> ApiResult<Vec<Uuid>> {
    let mut people = Vec::with_capacity(PEOPLE.len());
    for person in demo_people("") {
        if let Some(user) = users::find_by_identifier(conn, &person.username).await? {
            people.push(user.id);
        }
    }
    Ok(people)
}

/// Inserts the demo people that are not there yet; returns how many were created.
pub(super) async fn seed_people(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let password_hash = password::hash(DEMO_PASSWORD)?;
    let mut created = 0;
    for (index, person) in demo_people(&password_hash).into_iter().enumerate() {
        if users::find_by_identifier(conn, &person.username)
            .await?
            .is_none()
        {
            users::insert(conn, &person).await?;
            created += 1;
        }
        tracing::debug!(index, "demo person ready");
    }
    Ok(created)
}

pub(super) fn demo_people(password_hash: &str) -> Vec<NewUser> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(index, (first, last))| {
            let (department, title) = DEPARTMENTS[index % DEPARTMENTS.len()];
            let site = SITES[index % SITES.len()];
            let username = validation::ascii_fold(&format!("{first}.{last}"));
            let mut person = NewUser::new(username.clone(), format!("{first} {last}"));
            person.email = Some(format!("{username}@demo.parvis.example"));
            person.department = Some(department.to_owned());
            person.title = Some(title.to_owned());
            person.site = Some(site.to_owned());
            person.phone = Some(format!("+33 1 55 00 {:02} {:02}", index / 10, index % 100));
            let french = index < 20 || matches!(site, "Paris" | "Lyon" | "Montréal");
            person.locale = if french { "fr" } else { "en" }.to_owned();
            person.time_zone = match site {
                "Montréal" => "America/Toronto",
                "London" => "Europe/London",
                _ => "Europe/Paris",
            }
            .to_owned();
            // The first person runs the intranet; one external consultant shows the guest role.
            person.org_role = match index {
                0 => OrgRole::Admin,
                49 => OrgRole::Guest,
                _ => OrgRole::Member,
            };
            person.password_hash = Some(password_hash.to_owned());
            person
        })
        .collect()
}
