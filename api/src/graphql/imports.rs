use std::io::Read;

use async_graphql::{
    ComplexObject, Context, ID, Object, SimpleObject, Subscription, Upload,
    futures_util::{Stream, StreamExt},
};
use chrono::{DateTime, Utc};
use entity::import_jobs;

use super::{
    app,
    enums::{ImportKind, ImportStatus},
    gql,
    payload::{UserError, into_payload},
    relay::{IdConnection, IdCursor, connection, page_request, parse_id, to_id},
    subscription_quota, user,
};
use crate::{
    error::AppError,
    events::EventBus,
    service::imports::{self as service, RejectedRow as ServiceRejectedRow, UploadedFile},
};

/// A CSV import: its progress, its counts and the rows it refused.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ImportJob {
    #[graphql(skip)]
    pub db_id: i64,
    pub kind: ImportKind,
    pub status: ImportStatus,
    pub file_name: String,
    /// Data rows in the file, the header not counted.
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created_count: i32,
    pub updated_count: i32,
    /// Rows refused; a row is refused whole and never stops the others.
    pub rejected_count: i32,
    /// Why rows were refused: one entry per problem, in file order (the first 1000).
    pub rejected_rows: Vec<RejectedRow>,
    /// Why the whole job failed, when it did.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[ComplexObject]
impl ImportJob {
    pub async fn id(&self) -> ID {
        to_id("ImportJob", self.db_id)
    }
}

/// A problem with one row of an imported file.
#[derive(SimpleObject)]
pub struct RejectedRow {
    /// The line in the file, counted from 1 (the header).
    pub line: u64,
    /// The CSV column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

impl From<ServiceRejectedRow> for RejectedRow {
    fn from(row: ServiceRejectedRow) -> Self {
        Self {
            line: row.line,
            field: row.field,
            message: row.message,
        }
    }
}

impl From<import_jobs::Model> for ImportJob {
    fn from(model: import_jobs::Model) -> Self {
        let rejected_rows = service::rejected_rows(&model)
            .into_iter()
            .map(Into::into)
            .collect();
        Self {
            db_id: model.id,
            kind: model.kind.into(),
            status: model.status.into(),
            file_name: model.file_name,
            total_rows: model.total_rows,
            processed_rows: model.processed_rows,
            created_count: model.created_count,
            updated_count: model.updated_count,
            rejected_count: model.rejected_count,
            rejected_rows,
            error: model.error,
            created_at: model.created_at,
            started_at: model.started_at,
            finished_at: model.finished_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct ImportJobPayload {
    /// The QUEUED job, when the file was accepted.
    pub job: Option<ImportJob>,
    pub user_errors: Vec<UserError>,
}

/// Reads the uploaded file (a temporary file or memory) off the async threads.
async fn uploaded(ctx: &Context<'_>, file: &Upload) -> async_graphql::Result<UploadedFile> {
    let internal = |err: anyhow::Error| AppError::Internal(err.context("cannot read the upload"));
    let value = file
        .value(ctx)
        .map_err(|err| internal(anyhow::Error::new(err)))?;
    let name = value.filename.clone();
    let content = tokio::task::spawn_blocking(move || {
        let mut content = Vec::new();
        value.into_read().read_to_end(&mut content).map(|_| content)
    })
    .await
    .map_err(|err| internal(anyhow::Error::new(err)))?
    .map_err(|err| internal(anyhow::Error::new(err)))?;
    Ok(UploadedFile { name, content })
}

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    async fn import_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ImportJob> {
        let id = gql(parse_id(&id, "ImportJob", "id"))?;
        Ok(gql(service::find(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }

    /// The aggregator's import jobs, newest first.
    async fn import_jobs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<IdConnection<ImportJob>> {
        let page = gql(page_request(first, after))?;
        let page = gql(service::list(&app(ctx)?.db, user(ctx)?, page).await)?;
        Ok(connection(
            page,
            |model| IdCursor(model.id),
            ImportJob::from,
        ))
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports sellers from a CSV file (multipart upload, at most 20 MiB). Columns:
    /// business_name, owner_name, phone, sector, scale, province, city and optionally nib,
    /// address, halal_cert_no, pirt_no, bpom_no. A seller with the same phone or NIB is updated.
    async fn import_sellers(
        &self,
        ctx: &Context<'_>,
        file: Upload,
    ) -> async_graphql::Result<ImportJobPayload> {
        let file = uploaded(ctx, &file).await?;
        let app = app(ctx)?;
        let result = service::import_sellers(&app.db, user(ctx)?, file).await;
        app.imports.wake();
        into_payload(result, |job, user_errors| ImportJobPayload {
            job: job.map(Into::into),
            user_errors,
        })
    }

    /// Imports products from a CSV file, one row per variant; rows sharing a product_handle
    /// form one product. Columns: product_handle, seller_phone, title, category, sku, price and
    /// optionally description, halal, status, variant_name, options (`rasa=Pedas;ukuran=250 g`),
    /// stock, weight_grams, image_urls (`|`-separated). A variant with the same SKU is updated.
    async fn import_products(
        &self,
        ctx: &Context<'_>,
        file: Upload,
    ) -> async_graphql::Result<ImportJobPayload> {
        let file = uploaded(ctx, &file).await?;
        let app = app(ctx)?;
        let result = service::import_products(&app.db, user(ctx)?, file).await;
        app.imports.wake();
        into_payload(result, |job, user_errors| ImportJobPayload {
            job: job.map(Into::into),
            user_errors,
        })
    }
}

#[derive(Default)]
pub struct ImportSubscription;

#[Subscription]
impl ImportSubscription {
    /// The job now and after every change of its status or counts; completes when it finishes.
    async fn import_job_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ImportJob>> + use<>> {
        let caller = user(ctx)?.clone();
        let id = gql(parse_id(&id, "ImportJob", "id"))?;
        let place = subscription_quota::take(ctx)?;
        let db = app(ctx)?.db.clone();
        // A job the caller may not see fails the subscription at once, as `importJob` does.
        gql(service::find(&db, &caller, id).await)?;
        let events = ctx.data::<EventBus>()?.subscribe();
        Ok(service::watch(db, caller, id, events).map(move |job| {
            let _held = &place;
            Ok(gql(job)?.into())
        }))
    }
}
