//! The dashboard's seller list: filters, orderings and keyset pagination.

use entity::{
    enums::{SellerScale, SellerSector, SellerStatus},
    sellers,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::onboarding;
use crate::service::{Page, PageRequest, Scope};
use crate::{auth::AuthUser, domain::OnboardingStage, error::AppResult};

#[derive(Clone, Debug, Default)]
pub struct SellerFilter {
    /// Matches business name, owner name, phone or city, ignoring case.
    pub search: Option<String>,
    pub stage: Option<OnboardingStage>,
    pub sector: Option<SellerSector>,
    pub scale: Option<SellerScale>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub status: Option<SellerStatus>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SellerSort {
    #[default]
    Newest,
    Oldest,
    NameAsc,
    NameDesc,
}

/// Where the previous page ended, in the list's own ordering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerCursor {
    pub id: i64,
    pub business_name: String,
}

impl SellerCursor {
    pub fn of(seller: &sellers::Model) -> Self {
        Self {
            id: seller.id,
            business_name: seller.business_name.clone(),
        }
    }
}

fn like_pattern(raw: &str) -> String {
    let escaped = raw
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn lower_like(column: sellers::Column, pattern: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(Expr::col((sellers::Entity, column))))
        .like(LikeExpr::new(pattern).escape('\\'))
}

fn lower_eq(column: sellers::Column, value: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(Expr::col((sellers::Entity, column)))).eq(value.trim().to_lowercase())
}

fn filtered(caller: &AuthUser, filter: &SellerFilter) -> sea_orm::Select<sellers::Entity> {
    let mut query = Scope::sellers(caller);
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let pattern = like_pattern(search);
        query = query.filter(
            Condition::any()
                .add(lower_like(sellers::Column::BusinessName, &pattern))
                .add(lower_like(sellers::Column::OwnerName, &pattern))
                .add(lower_like(sellers::Column::Phone, &pattern))
                .add(lower_like(sellers::Column::City, &pattern)),
        );
    }
    if let Some(stage) = filter.stage {
        query = onboarding::in_stage(query, stage);
    }
    if let Some(sector) = filter.sector {
        query = query.filter(sellers::Column::Sector.eq(sector));
    }
    if let Some(scale) = filter.scale {
        query = query.filter(sellers::Column::Scale.eq(scale));
    }
    if let Some(province) = filter.province.as_deref() {
        query = query.filter(lower_eq(sellers::Column::Province, province));
    }
    if let Some(city) = filter.city.as_deref() {
        query = query.filter(lower_eq(sellers::Column::City, city));
    }
    if let Some(status) = filter.status {
        query = query.filter(sellers::Column::Status.eq(status));
    }
    query
}

/// One page of the caller's sellers.
pub async fn search(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &SellerFilter,
    sort: SellerSort,
    first: Option<i32>,
    after: Option<SellerCursor>,
) -> AppResult<Page<sellers::Model>> {
    let page = PageRequest::new(first, None)?;
    let query = filtered(caller, filter);
    let total_count = query.clone().count(db).await?;
    use sellers::Column::{BusinessName, Id};
    let mut query = match sort {
        SellerSort::Newest => query.order_by_desc(Id),
        SellerSort::Oldest => query.order_by_asc(Id),
        SellerSort::NameAsc => query.order_by_asc(BusinessName).order_by_asc(Id),
        SellerSort::NameDesc => query.order_by_desc(BusinessName).order_by_desc(Id),
    };
    if let Some(cursor) = &after {
        let name = cursor.business_name.clone();
        query = query.filter(match sort {
            SellerSort::Newest => Condition::all().add(Id.lt(cursor.id)),
            SellerSort::Oldest => Condition::all().add(Id.gt(cursor.id)),
            SellerSort::NameAsc => Condition::any().add(BusinessName.gt(name.clone())).add(
                Condition::all()
                    .add(BusinessName.eq(name))
                    .add(Id.gt(cursor.id)),
            ),
            SellerSort::NameDesc => Condition::any().add(BusinessName.lt(name.clone())).add(
                Condition::all()
                    .add(BusinessName.eq(name))
                    .add(Id.lt(cursor.id)),
            ),
        });
    }
    let mut items = query.limit(page.first + 1).all(db).await?;
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page {
        items,
        has_next_page,
        has_previous_page: after.is_some(),
        total_count,
    })
}
