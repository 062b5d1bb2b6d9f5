//! The drive over GraphQL: `Drive`, `Folder`, `File`, `FileVersion`, and the queries.

use crate::analytics::Activity;
use std::collections::HashMap;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access::{self, DRIVE_TYPE, DriveView, FILE_TYPE, FOLDER_TYPE};
use super::model::{self, Drive, DriveHolder, File, FileOrder, FileVersion, Folder};
use super::storage::hex;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{self, ChildPages, ChildrenOf};
use crate::groups::GroupAccess;
use crate::pagination::{Page, PageRequest};
use crate::policy::Action;

pub use super::loading::{load_drive, load_file, load_folder};

/// A file with the drive it is in.
#[derive(Clone)]
pub struct FileView {
    pub file: File,
    pub drive: DriveView,
}

/// A folder with the drive it is in.
#[derive(Clone)]
pub struct FolderView {
    pub folder: Folder,
    pub drive: DriveView,
}

/// The order of a folder's files.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileSort {
    /// By name, in language-aware alphabetical order ("Émilie" beside "Emilie").
    #[default]
    Name,
    /// By when the current version was uploaded.
    UpdatedAt,
    /// By the current version's size.
    Size,
}

impl From<FileSort> for FileOrder {
    fn from(sort: FileSort) -> Self {
        match sort {
            FileSort::Name => FileOrder::Name,
            FileSort::UpdatedAt => FileOrder::UpdatedAt,
            FileSort::Size => FileOrder::Size,
        }
    }
}

/// A group's or a person's drive.
#[Object(name = "Drive")]
impl DriveView {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(DRIVE_TYPE, self.drive.id)
    }
    /// The group whose drive this is; null for a personal drive.
    async fn group(&self) -> Option<&GroupAccess> {
        self.group.as_ref()
    }
    /// How many bytes the drive may hold (10 GiB for a group, 2 GiB for a person); an upload,
    /// copy or restored version that would pass it is refused.
    async fn quota_bytes(&self) -> i64 {
        self.drive.quota_bytes
    }
    /// Bytes used: every stored version counts, files in the trash too until they are purged.
    async fn used_bytes(&self) -> i64 {
        self.drive.used_bytes
    }
    /// Folders in the trash (for those who may change the drive), most recently deleted first,
    /// with the files and folders they held; `restoreFolder` brings one back with its contents,
    /// and it is purged 30 days after deletion.
    async fn trashed_folders(&self, ctx: &Context<'_>) -> ApiResult<Vec<FolderView>> {
        if !self.can(ctx.viewer()?, Action::Edit) {
            return Ok(Vec::new());
        }
        let mut conn = ctx.conn().await?;
        Ok(model::folders_in_trash(&mut conn, self.drive.id)
            .await?
            .into_iter()
            .map(|folder| FolderView {
                folder,
                drive: self.clone(),
            })
            .collect())
    }
    /// The top folder (empty name, no parent).
    async fn root(&self, ctx: &Context<'_>) -> ApiResult<FolderView> {
        let folder = loaders::children_of::<RootFolders>(ctx, self.drive.id, ())
            .await?
            .ok_or(ApiError::NotFound(FOLDER_TYPE))?;
        Ok(FolderView {
            folder,
            drive: self.clone(),
        })
    }
    /// Whether the viewer may add, change and delete files here.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.can(ctx.viewer()?, Action::Edit))
    }
    /// Files in the trash (for those who may change the drive), most recently deleted first;
    /// purged 30 days after deletion. Files inside a folder put in the trash are listed under
    /// that folder in `trashedFolders`.
    async fn trash(&self, ctx: &Context<'_>) -> ApiResult<Vec<FileView>> {
        let viewer = ctx.viewer()?;
        if !self.can(viewer, Action::Edit) {
            return Ok(Vec::new());
        }
        let mut conn = ctx.conn().await?;
        Ok(model::trashed_files(&mut conn, self.drive.id)
            .await?
            .into_iter()
            .map(|file| FileView {
                file,
                drive: self.clone(),
            })
            .collect())
    }
}

/// A folder; the drive's root has an empty name and no parent.
#[Object(name = "Folder")]
impl FolderView {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(FOLDER_TYPE, self.folder.id)
    }
    /// At most 255 bytes; no two folders in a folder share a name (ignoring case). Empty for
    /// the root.
    async fn name(&self) -> &str {
        &self.folder.name
    }
    /// The drive it is in.
    async fn drive(&self) -> &DriveView {
        &self.drive
    }
    /// Whether the viewer hears of new and updated files here (`followFolder`).
    async fn viewer_follows(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        crate::notifications::loading::viewer_follows(ctx, self.folder.id).await
    }
    /// The folder it is in; null for the drive's root.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<FolderView>> {
        let Some(parent) = self.folder.parent_id else {
            return Ok(None);
        };
        Ok(loaders::children_of::<FoldersById>(ctx, parent, ())
            .await?
            .map(|folder| FolderView {
                folder,
                drive: self.drive.clone(),
            }))
    }
    /// When the folder was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.folder.created_at
    }
    /// Set when the folder itself was put in the trash (see `Drive.trashedFolders`).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.folder.deleted_at
    }
    /// Subfolders not in the trash, by name.
    async fn folders(&self, ctx: &Context<'_>) -> ApiResult<Vec<FolderView>> {
        Ok(loaders::children_of::<Subfolders>(ctx, self.folder.id, ())
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|folder| FolderView {
                folder,
                drive: self.drive.clone(),
            })
            .collect())
    }
    /// The files in this folder (not in the trash), sorted by name, last upload or size.
    // Each argument is one of the field's GraphQL arguments: Relay's four, then the sort.
    #[allow(clippy::too_many_arguments)]
    async fn files(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
        #[graphql(default, desc = "What to sort by (NAME by default).")] order_by: FileSort,
        #[graphql(default, desc = "Reverses the order: Z to A, newest or largest first.")]
        descending: bool,
    ) -> ApiResult<PageConnection<FileView>> {
        let page =
            PageRequest::<(String, Uuid)>::parse(first, after.as_deref(), last, before.as_deref())?;
        let order: FileOrder = order_by.into();
        let files =
            loaders::page_of::<FilePages>(ctx, self.folder.id, (page, order, descending)).await?;
        let drive = self.drive.clone();
        Ok(connection(
            files,
            |file| (model::sort_key(file, order), file.id),
            |file| FileView {
                file,
                drive: drive.clone(),
            },
        ))
    }
    /// Whether the viewer may add, change and delete files and folders here.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.drive.can(ctx.viewer()?, Action::Edit))
    }
}

/// The root folder of drives.
pub struct RootFolders;

impl ChildrenOf for RootFolders {
    type Args = ();
    type Value = Folder;

    fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        drives: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Folder>>> + Send {
        model::root_folders(conn, drives)
    }
}

/// Folders by id (a file's folder, a folder's parent).
pub struct FoldersById;

impl ChildrenOf for FoldersById {
    type Args = ();
    type Value = Folder;

    fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        ids: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Folder>>> + Send {
        model::find_folders(conn, ids)
    }
}

/// The live subfolders of folders, by name.
pub struct Subfolders;

impl ChildrenOf for Subfolders {
    type Args = ();
    type Value = Vec<Folder>;

    fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        folders: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Vec<Folder>>>> + Send {
        model::subfolder_lists(conn, folders)
    }
}

/// The versions of files, newest first.
pub struct FileVersions;

impl ChildrenOf for FileVersions {
    type Args = ();
    type Value = Vec<FileVersion>;

    fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        files: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Vec<FileVersion>>>> + Send {
        model::version_lists(conn, files)
    }
}

/// The drives of groups, made the first time they are asked for.
pub struct GroupDrives;

impl ChildrenOf for GroupDrives {
    type Args = ();
    type Value = Drive;

    fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        groups: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Drive>>> + Send {
        model::drives_for(conn, DriveHolder::Group, groups)
    }
}

/// The live files of folders, in the order asked for.
pub struct FilePages;

impl ChildPages for FilePages {
    type Args = (PageRequest<(String, Uuid)>, FileOrder, bool);
    type Item = File;

    fn pages(
        conn: &mut diesel_async::AsyncPgConnection,
        folders: &[Uuid],
        (page, order, descending): &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<File>>>> + Send {
        model::file_pages(conn, folders, *order, *descending, page)
    }
}

/// A file in a drive, with its current version's size and type and its older versions.
#[Object(name = "File")]
impl FileView {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(FILE_TYPE, self.file.id)
    }
    /// At most 255 bytes, extension included; no two files in a folder share a name (ignoring
    /// case).
    async fn name(&self) -> &str {
        &self.file.name
    }
    /// The current version's size, in bytes.
    async fn size_bytes(&self) -> i64 {
        self.file.size_bytes
    }
    /// The current version's MIME type, sniffed from the bytes when uploaded, never taken from
    /// the client.
    async fn content_type(&self) -> &str {
        &self.file.content_type
    }
    /// How many versions were uploaded (the current one is number `versionCount`).
    async fn version_count(&self) -> i32 {
        self.file.version_count
    }
    /// When the file was first uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.file.created_at
    }
    /// When the current version was uploaded (renaming or moving the file leaves it).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.file.updated_at
    }
    /// Set when the file is in the trash.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.file.deleted_at
    }
    /// The drive it is in.
    async fn drive(&self) -> &DriveView {
        &self.drive
    }
    /// The folder it is in (null only if that folder was deleted meanwhile).
    async fn folder(&self, ctx: &Context<'_>) -> ApiResult<Option<FolderView>> {
        Ok(
            loaders::children_of::<FoldersById>(ctx, self.file.folder_id, ())
                .await?
                .map(|folder| FolderView {
                    folder,
                    drive: self.drive.clone(),
                }),
        )
    }
    /// Streams the current version (cookie or bearer; `?version=N` for an older one).
    async fn download_url(&self, ctx: &Context<'_>) -> String {
        format!(
            "{}/files/{}",
            ctx.services().config.public_url,
            ids::encode(FILE_TYPE, self.file.id).as_str()
        )
    }
    /// Versions, newest first.
    async fn versions(&self, ctx: &Context<'_>) -> ApiResult<Vec<FileVersionObject>> {
        Ok(loaders::children_of::<FileVersions>(ctx, self.file.id, ())
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(FileVersionObject::from)
            .collect())
    }
    /// Whether the viewer may rename, move, replace and delete it.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.drive.can(ctx.viewer()?, Action::Edit))
    }
}

/// One stored version of a file.
#[derive(SimpleObject)]
#[graphql(name = "FileVersion")]
pub struct FileVersionObject {
    /// From 1, in upload order; `?version=N` on `File.downloadUrl` downloads it.
    pub number: i32,
    /// Its size, in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the contents (also the download's ETag).
    pub sha256: String,
    /// Its MIME type, sniffed from the bytes.
    pub content_type: String,
    /// The file's name when this version was uploaded.
    pub uploaded_name: String,
    /// When it was uploaded (or restored, for a copy made by `restoreFileVersion`).
    pub created_at: DateTime<Utc>,
}

impl From<FileVersion> for FileVersionObject {
    fn from(version: FileVersion) -> Self {
        Self {
            number: version.number,
            size_bytes: version.size_bytes,
            sha256: hex(&version.sha256),
            content_type: version.content_type,
            uploaded_name: version.uploaded_name,
            created_at: version.created_at,
        }
    }
}

#[derive(Default)]
pub struct FileQuery;

#[Object]
impl FileQuery {
    /// The viewer's personal drive (private to them).
    async fn my_drive(&self, ctx: &Context<'_>) -> ApiResult<DriveView> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let drive = model::drive_for(&mut conn, None, Some(viewer.id())).await?;
        Ok(DriveView { drive, group: None })
    }

    /// The drive with this ID; null with a NOT_FOUND error when it does not exist or the
    /// viewer may not open it.
    async fn drive(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drive's global ID.")] id: ID,
    ) -> ApiResult<Option<DriveView>> {
        load_drive(ctx, ids::decode_as(&id, DRIVE_TYPE, "id")?)
            .await
            .map(Some)
    }

    /// Recently changed files in the viewer's drive and their groups' drives, most recently
    /// changed first (files in the trash left out); with `query`, only files whose name holds
    /// every word (accents and case ignored).
    async fn files(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words the file name must all contain (at most 200 characters).")]
        query: Option<String>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<FileView>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::<(DateTime<Utc>, Uuid)>::parse(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
        )?;
        let words: Vec<String> = match &query {
            Some(query) => {
                crate::validation::max_chars("query", query, crate::validation::Limit::SEARCH)?;
                query
                    .split_whitespace()
                    .map(crate::validation::ascii_fold)
                    .filter(|word| !word.is_empty())
                    .collect()
            }
            None => Vec::new(),
        };
        let mut conn = ctx.conn().await?;
        let groups = crate::groups::model::joined_group_ids(&mut conn, viewer.id()).await?;
        let drives = model::drive_ids_of(&mut conn, &groups, viewer.id()).await?;
        // The same checks as `access::file_by_id`, made on the drives before the page is read,
        // so that every file of the page and of the count is one the viewer may read.
        let drive_rows = model::find_drives(&mut conn, &drives).await?;
        let readable: HashMap<Uuid, DriveView> =
            access::readable_drives(&mut conn, viewer, drive_rows)
                .await?
                .into_iter()
                .map(|view| (view.drive.id, view))
                .collect();
        let mut drives: Vec<Uuid> = readable.keys().copied().collect();
        drives.sort_unstable();
        let trash = model::trashed_in_drives(&mut conn, &drives).await?;
        let files = model::page_in_drives(&mut conn, &drives, &trash, &words, &page).await?;
        if let Some(query) = &query {
            ctx.record_activity(Activity::search(
                viewer.id(),
                query,
                usize::try_from(files.total_count).unwrap_or(usize::MAX),
            ));
        }
        let views: Vec<FileView> = files
            .items
            .into_iter()
            .filter_map(|file| {
                let drive = readable.get(&file.drive_id)?.clone();
                Some(FileView { file, drive })
            })
            .collect();
        Ok(connection(
            Page {
                items: views,
                has_next_page: files.has_next_page,
                has_previous_page: files.has_previous_page,
                total_count: files.total_count,
            },
            |view| (view.file.updated_at, view.file.id),
            |view| view,
        ))
    }
}

#[derive(Default)]
pub struct FileSubscription;

#[async_graphql::Subscription]
impl FileSubscription {
    /// Fires with the drive each time something in it changes, so an open folder view can
    /// refetch; stops when the viewer may no longer read the drive.
    async fn drive_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drive to watch.")] drive_id: ID,
    ) -> Result<impl futures::Stream<Item = ApiResult<DriveView>> + use<>, ApiError> {
        let id = ids::decode_as(&drive_id, DRIVE_TYPE, "driveId")?;
        load_drive(ctx, id).await?;
        let viewer = ctx.viewer()?.clone();
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(move |event| {
            matches!(event, crate::events::Event::DriveChanged { drive_id } if *drive_id == id)
        });
        Ok(crate::events::reauthorized(
            events,
            services,
            viewer,
            move |conn, viewer, _| {
                Box::pin(async move { Ok(Some(access::drive_by_id(conn, viewer, id).await?)) })
            },
        ))
    }
}
