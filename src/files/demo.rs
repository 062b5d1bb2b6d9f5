//! The demo organization's drives: a few folders and documents per group (generated text, a PDF
//! and an image), stored like any upload.

use diesel_async::AsyncPgConnection;

use super::model::{self, StoredObject};
use super::storage::{Storage, sniff};
use crate::error::{ApiError, ApiResult};
use crate::groups::model as groups;

const FOLDERS: &[&str] = &["Comptes rendus", "Modèles", "Formation"];

/// Adds demo files to groups whose drive is still empty; returns how many files were added.
pub async fn seed(
    conn: &mut AsyncPgConnection,
    storage: &Storage,
    slugs: &[String],
) -> ApiResult<usize> {
    let mut created = 0;
    for slug in slugs {
        let Some(group) = groups::find_by_slug(conn, slug).await? else {
            continue;
        };
        let drive = model::drive_for(conn, Some(group.id), None).await?;
        let root = model::root_folder(conn, drive.id).await?;
        if !model::subfolders(conn, root.id).await?.is_empty() {
            continue;
        }
        let author = groups::member_ids(conn, group.id)
            .await?
            .first()
            .map(|(id, _)| *id)
            .unwrap_or_default();
        for (index, name) in FOLDERS.iter().enumerate() {
            let folder = model::insert_folder(conn, &root, name, author).await?;
            let documents = documents(&group.name, index);
            for (file_name, bytes) in documents {
                let object = store(storage, &file_name, bytes).await?;
                model::charge(conn, drive.id, object.size_bytes).await?;
                model::insert_file(conn, &folder, &file_name, &object, author).await?;
                created += 1;
            }
        }
    }
    Ok(created)
}

async fn store(storage: &Storage, name: &str, bytes: Vec<u8>) -> ApiResult<StoredObject> {
    use sha2::Digest;
    let key = Storage::new_key("objects");
    let object = StoredObject {
        storage_key: key.clone(),
        size_bytes: bytes.len() as i64,
        sha256: sha2::Sha256::digest(&bytes).to_vec(),
        content_type: sniff(&bytes[..bytes.len().min(8192)]),
        uploaded_name: name.to_owned(),
    };
    storage
        .put_bytes(&key, bytes)
        .await
        .map_err(ApiError::internal)?;
    Ok(object)
}

fn documents(group: &str, folder: usize) -> Vec<(String, Vec<u8>)> {
    match folder {
        0 => vec![
            (
                "Compte rendu — réunion de rentrée.txt".into(),
                format!("Compte rendu de la réunion de rentrée ({group})\n\n- Point sur les objectifs du trimestre\n- Tour de table\n- Prochaine réunion : lundi 10 h\n").into_bytes(),
            ),
            ("Minutes — kick-off.txt".into(), format!("{group} kick-off minutes\n\nDecisions:\n1. Weekly sync on Mondays\n2. Shared drive for all documents\n").into_bytes()),
        ],
        1 => vec![("Modèle de rapport.pdf".into(), minimal_pdf(&format!("Modele de rapport - {group}")))],
        _ => vec![("Bannière.png".into(), banner())],
    }
}

/// A one-page PDF with a line of text (hand-built: the demo needs no PDF library).
fn minimal_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

fn banner() -> Vec<u8> {
    let image = image::RgbImage::from_fn(640, 200, |x, y| {
        image::Rgb([(40 + x / 8) as u8, (90 + y / 4) as u8, 200])
    });
    let mut png = Vec::new();
    let _ = image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
    png
}
