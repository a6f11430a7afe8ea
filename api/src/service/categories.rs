//! The category tree: a default set with Indonesian names, created on start when missing.

use std::collections::HashMap;

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

/// The ids of the category and its children (one statement; empty when it does not exist).
///
/// The public catalogue filters by these values rather than by `in_category`'s sub-select,
/// so that PostgreSQL can read one category's products newest first from
/// `products_category_status_id_idx` and stop after a page, whatever plan it caches.
pub async fn family(db: &impl ConnectionTrait, category_id: i64) -> AppResult<Vec<i64>> {
    Ok(categories::Entity::find()
        .select_only()
        .column(categories::Column::Id)
        .filter(
            Condition::any()
                .add(categories::Column::Id.eq(category_id))
                .add(categories::Column::ParentId.eq(category_id)),
        )
        .into_tuple()
        .all(db)
        .await?)
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
