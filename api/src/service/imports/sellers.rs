//! Seller rows: validated by the rules of `onboardSeller`, matched to stored sellers by phone or
//! NIB within the aggregator, created or updated in batches.

use std::{collections::HashMap, time::Duration};

use chrono::Utc;
use entity::{
    enums::{SellerScale, SellerSector},
    import_jobs, import_seller_matches, sellers,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};
use tokio_util::sync::CancellationToken;

use super::{
    batches::{BATCH_ROWS, Batches, parse_file, unprocessed, write_and_publish},
    csv_reader::{Columns, CsvFile, Record, one_of},
    jobs,
    rejections::{RejectedRow, field_rejections},
};
use crate::{
    cache::Cache,
    error::AppResult,
    service::{
        product_changes,
        sellers::{self as rules, NewSeller, ValidSeller, rows},
    },
};

pub const COLUMNS: Columns = Columns {
    required: &[
        "business_name",
        "owner_name",
        "phone",
        "sector",
        "scale",
        "province",
        "city",
    ],
    optional: &["nib", "address", "halal_cert_no", "pirt_no", "bpom_no"],
};

struct SellerRow {
    line: u64,
    seller: ValidSeller,
}

enum Row {
    Valid(Box<SellerRow>),
    Rejected(Vec<RejectedRow>),
}

/// Writes the job's rows from its last committed batch on.
/// `cache` is told after each committed batch that the public catalogue changed.
pub(super) async fn run(
    db: &DatabaseConnection,
    cache: &Cache,
    job: &import_jobs::Model,
    content: Vec<u8>,
    lease: Duration,
    stop: &CancellationToken,
) -> AppResult<Batches> {
    let Some(rows) = parse_file(content, &COLUMNS, parse_all, stop).await? else {
        return Ok(Batches::Stopped);
    };
    let mut progress = jobs::Progress::of(job);
    for batch in unprocessed(job, &rows, progress.processed)?.chunks(BATCH_ROWS) {
        if stop.is_cancelled() {
            return Ok(Batches::Stopped);
        }
        let current = &progress;
        let written =
            write_and_publish(cache, || write_batch(db, job, batch, current, lease)).await?;
        let Some(next) = written else {
            return Ok(Batches::LeaseLost);
        };
        progress = next;
    }
    Ok(Batches::Done)
}

/// Validates every row, and refuses a row that repeats the phone or NIB of an earlier one.
fn parse_all(csv: &CsvFile) -> Vec<Row> {
    let mut phones: HashMap<String, u64> = HashMap::new();
    let mut nibs: HashMap<String, u64> = HashMap::new();
    csv.rows
        .iter()
        .map(|row| {
            let parsed = csv
                .record(row)
                .map_err(|rejected| vec![rejected])
                .and_then(|record| parse(&record));
            let seller = match parsed {
                Ok(seller) => seller,
                Err(reasons) => return Row::Rejected(reasons),
            };
            let repeat = |column: &str, earlier: u64| {
                Row::Rejected(vec![RejectedRow {
                    line: seller.line,
                    field: Some(column.to_owned()),
                    message: format!("repeats the {column} of line {earlier}"),
                }])
            };
            if let Some(&earlier) = phones.get(&seller.seller.phone) {
                return repeat("phone", earlier);
            }
            if let Some(nib) = &seller.seller.nib
                && let Some(&earlier) = nibs.get(nib)
            {
                return repeat("nib", earlier);
            }
            phones.insert(seller.seller.phone.clone(), seller.line);
            if let Some(nib) = &seller.seller.nib {
                nibs.insert(nib.clone(), seller.line);
            }
            Row::Valid(Box::new(seller))
        })
        .collect()
}

fn parse(record: &Record<'_>) -> Result<SellerRow, Vec<RejectedRow>> {
    let sector = one_of::<SellerSector>(record, "sector");
    let scale = one_of::<SellerScale>(record, "scale");
    let owned = |column: &str| record.optional(column).map(str::to_owned);
    let input = NewSeller {
        business_name: record.get("business_name").to_owned(),
        owner_name: record.get("owner_name").to_owned(),
        phone: record.get("phone").to_owned(),
        nib: owned("nib"),
        sector: *sector.as_ref().unwrap_or(&SellerSector::Other),
        scale: *scale.as_ref().unwrap_or(&SellerScale::Micro),
        province: record.get("province").to_owned(),
        city: record.get("city").to_owned(),
        address: owned("address"),
        halal_cert_no: owned("halal_cert_no"),
        pirt_no: owned("pirt_no"),
        bpom_no: owned("bpom_no"),
    };
    let mut reasons = Vec::new();
    let seller = rules::validate(&input)
        .map_err(|error| reasons.extend(field_rejections(record.line, error)))
        .ok();
    match (seller, sector, scale) {
        (Some(seller), Ok(_), Ok(_)) => Ok(SellerRow {
            line: record.line,
            seller,
        }),
        (_, sector, scale) => {
            reasons.extend(sector.err());
            reasons.extend(scale.err());
            Err(reasons)
        }
    }
}

/// Creates and updates the batch's sellers and saves the job's totals, in one transaction;
/// `None`, with nothing written, when the job is no longer this runner's.
async fn write_batch(
    db: &DatabaseConnection,
    job: &import_jobs::Model,
    batch: &[Row],
    progress: &jobs::Progress,
    lease: Duration,
) -> AppResult<Option<jobs::Progress>> {
    let txn = crate::db::begin_write(db).await?;
    let valid = batch.iter().filter_map(|row| match row {
        Row::Valid(row) => Some(&row.seller),
        Row::Rejected(_) => None,
    });
    let existing = rules::registered(&txn, job.aggregator_id, valid).await?;
    let known = Known::of(&existing);
    // Seller id → the line that updated it, in this job's earlier batches and in this one.
    let mut matched = earlier_matches(&txn, job.id, &existing).await?;
    let mut new_matches = Vec::new();

    let mut outcome = jobs::BatchOutcome {
        processed: batch.len(),
        ..Default::default()
    };
    let mut inserts = Vec::new();
    let now = Utc::now();
    for row in batch {
        let row = match row {
            Row::Rejected(reasons) => {
                outcome.reject(reasons.clone());
                continue;
            }
            Row::Valid(row) => row,
        };
        let target = match known.target(row) {
            Err(rejected) => {
                outcome.reject(vec![rejected]);
                continue;
            }
            Ok(None) => {
                inserts.push(rows::new_seller(job.aggregator_id, row.seller.clone(), now));
                outcome.created += 1;
                continue;
            }
            Ok(Some(target)) => target,
        };
        if let Some(&earlier) = matched.get(&target.id) {
            outcome.reject(vec![RejectedRow {
                line: row.line,
                field: None,
                message: format!(
                    "matches seller '{}', which line {earlier} already updated",
                    target.business_name
                ),
            }]);
            continue;
        }
        matched.insert(target.id, row.line);
        new_matches.push(import_seller_matches::ActiveModel {
            job_id: Set(job.id),
            seller_id: Set(target.id),
            line: Set(i64::try_from(row.line).unwrap_or(i64::MAX)),
        });
        if let Some(update) = changes(target, row, now) {
            update.update(&txn).await?;
            outcome.changed_sellers.push(target.id);
        }
        outcome.updated += 1;
    }
    insert_all(&txn, inserts, new_matches).await?;
    let next = progress.with(&outcome);
    if !jobs::save_progress(&txn, job, progress, &next, lease).await? {
        return Ok(None);
    }
    product_changes::seller_products_changed(&txn, &outcome.changed_sellers).await?;
    txn.commit().await?;
    Ok(Some(next))
}

/// The batch's stored sellers by phone and by NIB.
struct Known<'a> {
    by_phone: HashMap<&'a str, &'a sellers::Model>,
    by_nib: HashMap<&'a str, &'a sellers::Model>,
}

impl<'a> Known<'a> {
    fn of(existing: &'a [sellers::Model]) -> Self {
        Self {
            by_phone: existing
                .iter()
                .map(|seller| (seller.phone.as_str(), seller))
                .collect(),
            by_nib: existing
                .iter()
                .filter_map(|seller| seller.nib.as_deref().map(|nib| (nib, seller)))
                .collect(),
        }
    }

    /// The stored seller a row updates (`None`: the row is a new seller), or why it cannot
    /// be written: its phone and NIB belong to two different sellers.
    fn target(&self, row: &SellerRow) -> Result<Option<&'a sellers::Model>, RejectedRow> {
        let same_phone = self.by_phone.get(row.seller.phone.as_str()).copied();
        let same_nib = row
            .seller
            .nib
            .as_deref()
            .and_then(|nib| self.by_nib.get(nib).copied());
        match (same_phone, same_nib) {
            (Some(a), Some(b)) if a.id != b.id => Err(RejectedRow {
                line: row.line,
                field: Some("nib".to_owned()),
                message: format!(
                    "belongs to seller '{}' while the phone belongs to seller '{}'",
                    b.business_name, a.business_name
                ),
            }),
            (Some(seller), _) | (None, Some(seller)) => Ok(Some(seller)),
            (None, None) => Ok(None),
        }
    }
}

/// Inserts the batch's new sellers and its new matches.
async fn insert_all(
    txn: &DatabaseTransaction,
    inserts: Vec<sellers::ActiveModel>,
    new_matches: Vec<import_seller_matches::ActiveModel>,
) -> AppResult<()> {
    if !inserts.is_empty() {
        sellers::Entity::insert_many(inserts).exec(txn).await?;
    }
    if !new_matches.is_empty() {
        import_seller_matches::Entity::insert_many(new_matches)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The stored sellers among `existing` that earlier lines of the job updated, and their lines.
async fn earlier_matches(
    txn: &DatabaseTransaction,
    job_id: i64,
    existing: &[sellers::Model],
) -> AppResult<HashMap<i64, u64>> {
    if existing.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(import_seller_matches::Entity::find()
        .filter(import_seller_matches::Column::JobId.eq(job_id))
        .filter(import_seller_matches::Column::SellerId.is_in(existing.iter().map(|s| s.id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|found| (found.seller_id, u64::try_from(found.line).unwrap_or(0)))
        .collect())
}

/// The update a row makes to a stored seller, if it changes anything. A blank optional cell
/// keeps the stored value: an import adds and corrects, it never erases.
fn changes(
    current: &sellers::Model,
    row: &SellerRow,
    now: chrono::DateTime<Utc>,
) -> Option<sellers::ActiveModel> {
    let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let seller = ValidSeller {
        nib: keep(&row.seller.nib, &current.nib),
        address: keep(&row.seller.address, &current.address),
        halal_cert_no: keep(&row.seller.halal_cert_no, &current.halal_cert_no),
        pirt_no: keep(&row.seller.pirt_no, &current.pirt_no),
        bpom_no: keep(&row.seller.bpom_no, &current.bpom_no),
        ..row.seller.clone()
    };
    let updated = rows::merged(current, seller);
    (&updated != current).then(|| rows::update_row(current.clone(), updated, now))
}
