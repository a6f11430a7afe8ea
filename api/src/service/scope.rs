//! Tenancy in one place: every read of tenant data starts from one of these selects.

use entity::{
    aggregators, enums::Role, product_images, product_variants, products, sellers, users,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
    sea_query::Expr,
};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
};

pub struct Scope;

impl Scope {
    /// The caller's product `id`; NOT_FOUND when it does not exist or is another tenant's.
    pub async fn product(
        db: &impl ConnectionTrait,
        caller: &AuthUser,
        id: i64,
    ) -> AppResult<products::Model> {
        Self::products(caller)
            .filter(products::Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("product"))
    }

    /// Platform admins see every aggregator; everyone else only their own.
    pub fn aggregators(caller: &AuthUser) -> Select<aggregators::Entity> {
        let select = aggregators::Entity::find();
        match caller.role {
            Role::PlatformAdmin => select,
            _ => match caller.aggregator_id {
                Some(id) => select.filter(aggregators::Column::Id.eq(id)),
                None => select.filter(Expr::value(false)),
            },
        }
    }

    /// Aggregator users see their aggregator's sellers; a seller sees only its own business.
    pub fn sellers(caller: &AuthUser) -> Select<sellers::Entity> {
        let select = sellers::Entity::find();
        match (caller.role, caller.aggregator_id, caller.seller_id) {
            (Role::PlatformAdmin, _, _) => select,
            (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator), _) => {
                select.filter(sellers::Column::AggregatorId.eq(aggregator))
            }
            (Role::Seller, Some(aggregator), Some(seller)) => select
                .filter(sellers::Column::AggregatorId.eq(aggregator))
                .filter(sellers::Column::Id.eq(seller)),
            _ => select.filter(Expr::value(false)),
        }
    }

    /// Aggregator admins see their aggregator's logins; everyone else only their own.
    pub fn users(caller: &AuthUser) -> Select<users::Entity> {
        let select = users::Entity::find();
        match (caller.role, caller.aggregator_id) {
            (Role::PlatformAdmin, _) => select,
            (Role::AggregatorAdmin, Some(aggregator)) => {
                select.filter(users::Column::AggregatorId.eq(aggregator))
            }
            _ => select.filter(users::Column::Id.eq(caller.user_id)),
        }
    }

    /// Import jobs belong to the aggregator team that runs them; nobody else sees any.
    pub fn import_jobs(caller: &AuthUser) -> Select<entity::import_jobs::Entity> {
        use entity::import_jobs::{Column, Entity};
        let select = Entity::find();
        match caller.team_aggregator() {
            Ok(aggregator) => select.filter(Column::AggregatorId.eq(aggregator)),
            Err(_) => select.filter(Expr::value(false)),
        }
    }

    /// Aggregator users see their aggregator's products; a seller only its own business's.
    pub fn products(caller: &AuthUser) -> Select<products::Entity> {
        let select = products::Entity::find();
        match (caller.role, caller.aggregator_id, caller.seller_id) {
            (Role::PlatformAdmin, _, _) => select,
            (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator), _) => {
                select.filter(products::Column::AggregatorId.eq(aggregator))
            }
            (Role::Seller, Some(aggregator), Some(seller)) => select
                .filter(products::Column::AggregatorId.eq(aggregator))
                .filter(products::Column::SellerId.eq(seller)),
            _ => select.filter(Expr::value(false)),
        }
    }

    /// Variants are reached through their product's scope.
    pub fn product_variants(caller: &AuthUser) -> Select<product_variants::Entity> {
        product_variants::Entity::find()
            .filter(product_variants::Column::ProductId.in_subquery(Self::product_ids(caller)))
    }

    /// Images are reached through their product's scope.
    pub fn product_images(caller: &AuthUser) -> Select<product_images::Entity> {
        product_images::Entity::find()
            .filter(product_images::Column::ProductId.in_subquery(Self::product_ids(caller)))
    }

    /// Channel listings are the aggregator's; a seller sees its own products' listings.
    pub fn channel_listings(caller: &AuthUser) -> Select<entity::channel_listings::Entity> {
        use entity::channel_listings::{Column, Entity};
        let select = Entity::find();
        match (caller.role, caller.aggregator_id) {
            (Role::PlatformAdmin, _) => select,
            (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator)) => {
                select.filter(Column::AggregatorId.eq(aggregator))
            }
            (Role::Seller, Some(_)) => {
                select.filter(Column::ProductId.in_subquery(Self::product_ids(caller)))
            }
            _ => select.filter(Expr::value(false)),
        }
    }

    fn product_ids(caller: &AuthUser) -> sea_orm::sea_query::SelectStatement {
        Self::products(caller)
            .select_only()
            .column(products::Column::Id)
            .into_query()
    }
}
