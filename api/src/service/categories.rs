//! The category tree: a default set with Indonesian names, created on start when missing, and
//! a copy of it in memory for the catalogue's hot reads.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::{categories, products};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
    sea_query::{OnConflict, SimpleExpr},
};

use crate::error::AppResult;

/// A top-level category: slug, name, and its children as (slug, name).
pub type CategoryBranch = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

pub const DEFAULT_TREE: &[CategoryBranch] = &[
    (
        "makanan-minuman",
        "Makanan & Minuman",
        &[
            ("keripik-camilan", "Keripik & Camilan"),
            ("sambal-bumbu", "Sambal & Bumbu"),
            ("kopi-teh", "Kopi & Teh"),
            ("kue-roti", "Kue & Roti"),
            ("minuman-tradisional", "Minuman Tradisional"),
            ("lauk-frozen", "Lauk & Makanan Beku"),
        ],
    ),
    (
        "fashion",
        "Fashion",
        &[
            ("batik", "Batik"),
            ("tenun-songket", "Tenun & Songket"),
            ("hijab-muslim", "Hijab & Busana Muslim"),
            ("tas-dompet", "Tas & Dompet"),
            ("sepatu-sandal", "Sepatu & Sandal"),
        ],
    ),
    (
        "kerajinan",
        "Kerajinan Tangan",
        &[
            ("anyaman", "Anyaman Rotan & Bambu"),
            ("ukiran-kayu", "Ukiran Kayu"),
            ("gerabah-keramik", "Gerabah & Keramik"),
            ("perhiasan-aksesoris", "Perhiasan & Aksesoris"),
        ],
    ),
    (
        "pertanian",
        "Hasil Pertanian",
        &[
            ("beras-biji", "Beras & Biji-bijian"),
            ("sayur-buah", "Sayur & Buah"),
            ("rempah", "Rempah-rempah"),
            ("madu-gula", "Madu & Gula Aren"),
        ],
    ),
    (
        "kecantikan",
        "Kecantikan & Kesehatan",
        &[
            ("jamu-herbal", "Jamu & Herbal"),
            ("perawatan-tubuh", "Perawatan Tubuh"),
        ],
    ),
    (
        "jasa",
        "Jasa",
        &[("katering", "Katering"), ("jahit-permak", "Jahit & Permak")],
    ),
];

/// Products in the category or one of its children: what a category filter means in the
/// dashboard's list and in the public catalogue alike.
pub fn in_category(category_id: i64) -> SimpleExpr {
    let family = categories::Entity::find()
        .select_only()
        .column(categories::Column::Id)
        .filter(
            Condition::any()
                .add(categories::Column::Id.eq(category_id))
                .add(categories::Column::ParentId.eq(category_id)),
        )
        .into_query();
    products::Column::CategoryId.in_subquery(family)
}

/// Creates the default categories that are missing; existing ones are left as they are.
/// Safe when several replicas start at once: inserts skip slugs that already exist.
pub async fn ensure_default_tree(db: &impl ConnectionTrait) -> AppResult<()> {
    for (position, (slug, name, children)) in DEFAULT_TREE.iter().enumerate() {
        insert_missing(db, None, slug, name, position).await?;
        let parent_id = by_slug(db, slug).await?.map(|parent| parent.id);
        for (child_position, (child_slug, child_name)) in children.iter().enumerate() {
            insert_missing(db, parent_id, child_slug, child_name, child_position).await?;
        }
    }
    Ok(())
}

pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> AppResult<Option<categories::Model>> {
    Ok(categories::Entity::find()
        .filter(categories::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Every category, parents before children.
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<categories::Model>> {
    Ok(categories::Entity::find()
        .order_by_asc(categories::Column::Id)
        .all(db)
        .await?)
}

async fn insert_missing(
    db: &impl ConnectionTrait,
    parent_id: Option<i64>,
    slug: &str,
    name: &str,
    position: usize,
) -> AppResult<()> {
    let category = categories::ActiveModel {
        parent_id: Set(parent_id),
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        position: Set(position as i32),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    categories::Entity::insert(category)
        .on_conflict(
            OnConflict::column(categories::Column::Slug)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// One category by id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<categories::Model> {
    categories::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(crate::error::AppError::NotFound("category"))
}

/// The direct children of each category, in display order, in one statement (every asked id
/// gets an entry).
pub async fn children_of(
    db: &impl ConnectionTrait,
    parent_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<categories::Model>>> {
    let mut by_parent: HashMap<i64, Vec<_>> =
        parent_ids.iter().map(|id| (*id, Vec::new())).collect();
    for child in categories::Entity::find()
        .filter(categories::Column::ParentId.is_in(parent_ids.to_vec()))
        .order_by_asc(categories::Column::Position)
        .order_by_asc(categories::Column::Id)
        .all(db)
        .await?
    {
        if let Some(parent) = child.parent_id {
            by_parent.entry(parent).or_default().push(child);
        }
    }
    Ok(by_parent)
}

/// The category tree in memory, for the reads every catalogue page makes: a category filter's
/// family and each product's category, without a statement each.
///
/// Categories are only ever added, by `ensure_default_tree` when a release with new defaults
/// starts; nothing renames, moves or deletes one. So a copy is wrong only by missing a newer
/// category, and it reloads when it meets an id it does not know (at most once per
/// `MISS_RELOAD`, so unknown ids cannot make every request read the table) and when it is
/// older than `REFRESH`, which bounds how long a replica that started earlier misses a new
/// child in a parent's family. When a reload fails, the copy it has keeps serving.
pub struct CategoryDirectory {
    copy: RwLock<Option<Arc<TreeCopy>>>,
    /// One reload at a time; the others wait for it and read its result.
    reloading: tokio::sync::Mutex<()>,
    /// When the last reload was tried, whether it succeeded or not: a failing database is
    /// asked again only after `MISS_RELOAD`, not by every request.
    attempted: std::sync::Mutex<Option<Instant>>,
}

/// How old a copy may get before the next read reloads it.
const REFRESH: Duration = Duration::from_secs(60);
/// How soon after a reload an unknown id may cause another.
const MISS_RELOAD: Duration = Duration::from_secs(1);

struct TreeCopy {
    by_id: HashMap<i64, categories::Model>,
    children: HashMap<i64, Vec<i64>>,
    loaded_at: Instant,
}

impl TreeCopy {
    fn from_rows(rows: Vec<categories::Model>) -> Self {
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in &rows {
            if let Some(parent) = row.parent_id {
                children.entry(parent).or_default().push(row.id);
            }
        }
        Self {
            by_id: rows.into_iter().map(|row| (row.id, row)).collect(),
            children,
            loaded_at: Instant::now(),
        }
    }

    fn family(&self, id: i64) -> Option<Vec<i64>> {
        self.by_id.get(&id)?;
        let mut family = vec![id];
        let mut index = 0;
        while let Some(parent) = family.get(index).copied() {
            family.extend(self.children.get(&parent).into_iter().flatten().copied());
            index += 1;
        }
        Some(family)
    }
}

impl Default for CategoryDirectory {
    fn default() -> Self {
        Self {
            copy: RwLock::new(None),
            reloading: tokio::sync::Mutex::new(()),
            attempted: std::sync::Mutex::new(None),
        }
    }
}

impl CategoryDirectory {
    /// The ids of the category and all its descendants; empty when it does not exist.
    ///
    /// The public catalogue filters by these values rather than by `in_category`'s
    /// sub-select, so that PostgreSQL can read one category's products newest first from
    /// `products_category_status_id_idx` and stop after a page, whatever plan it caches.
    pub async fn family(&self, db: &impl ConnectionTrait, id: i64) -> AppResult<Vec<i64>> {
        let copy = self.copy_knowing(db, id).await?;
        Ok(copy.family(id).unwrap_or_default())
    }

    /// One category by id, if it exists.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
    ) -> AppResult<Option<categories::Model>> {
        let copy = self.copy_knowing(db, id).await?;
        Ok(copy.by_id.get(&id).cloned())
    }

    /// A copy that is fresh, and knows `id` if the database does.
    async fn copy_knowing(&self, db: &impl ConnectionTrait, id: i64) -> AppResult<Arc<TreeCopy>> {
        let current = self.current();
        let stale = |copy: &TreeCopy| {
            let wanted = copy.loaded_at.elapsed() >= REFRESH || !copy.by_id.contains_key(&id);
            wanted
                && self
                    .since_attempt()
                    .is_none_or(|since| since >= MISS_RELOAD)
        };
        match current {
            Some(copy) if !stale(&copy) => Ok(copy),
            current => {
                let _turn = self.reloading.lock().await;
                // Another request may have reloaded while this one waited.
                if let Some(copy) = self.current().filter(|copy| !stale(copy)) {
                    return Ok(copy);
                }
                *self
                    .attempted
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
                match all(db).await {
                    Ok(rows) => {
                        let copy = Arc::new(TreeCopy::from_rows(rows));
                        *self
                            .copy
                            .write()
                            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                            Some(Arc::clone(&copy));
                        Ok(copy)
                    }
                    Err(error) => match current {
                        Some(copy) => {
                            tracing::warn!(%error, "cannot reload the categories; serving the copy in memory");
                            Ok(copy)
                        }
                        None => Err(error),
                    },
                }
            }
        }
    }

    fn since_attempt(&self) -> Option<Duration> {
        self.attempted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .map(|attempted| attempted.elapsed())
    }

    fn current(&self) -> Option<Arc<TreeCopy>> {
        self.copy
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64, parent_id: Option<i64>) -> categories::Model {
        categories::Model {
            id,
            parent_id,
            slug: format!("c{id}"),
            name: format!("C {id}"),
            position: 0,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_family_holds_the_category_and_every_descendant() {
        let copy = TreeCopy::from_rows(vec![
            category(1, None),
            category(2, Some(1)),
            category(3, Some(1)),
            category(4, Some(3)),
            category(5, None),
        ]);
        let mut family = copy.family(1).unwrap();
        family.sort_unstable();
        assert_eq!(family, [1, 2, 3, 4]);
        assert_eq!(copy.family(3).unwrap(), [3, 4]);
        assert_eq!(copy.family(5).unwrap(), [5]);
        assert_eq!(copy.family(9), None);
    }
}
