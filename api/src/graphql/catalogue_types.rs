//! The public catalogue's object types: what anyone, logged in or not, may see of a product
//! and its seller. Related records come through the request's DataLoaders.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{products, sellers};

use super::{
    categories::Category,
    enums::SellerSector,
    loaders::{CachedLoader, CategoryLoader, ImagesLoader, SellerLoader, VariantsLoader},
    money::Money,
    product_variants::ProductVariant,
    products::{ProductImage, ProductPriceRange},
    relay::to_id,
};
use crate::error::AppError;

/// A seller as the public sees it: never its phone, NIB, owner or address.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct SellerProfile {
    #[graphql(skip)]
    pub db_id: i64,
    pub business_name: String,
    pub sector: SellerSector,
    pub province: String,
    pub city: String,
    /// Holds a halal certificate.
    pub halal_certified: bool,
}

#[ComplexObject]
impl SellerProfile {
    /// The seller's global id.
    pub async fn id(&self) -> ID {
        to_id("Seller", self.db_id)
    }
}

impl From<sellers::Model> for SellerProfile {
    fn from(model: sellers::Model) -> Self {
        Self {
            db_id: model.id,
            business_name: model.business_name,
            sector: model.sector.into(),
            province: model.province,
            city: model.city,
            halal_certified: model.halal_cert_no.is_some(),
        }
    }
}

/// A product as the public catalogue shows it: ACTIVE, of an ACTIVE seller.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CatalogueProduct {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    seller_id: i64,
    #[graphql(skip)]
    category_id: i64,
    pub title: String,
    pub description: String,
    pub halal_certified: bool,
    /// When the product first became ACTIVE.
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<products::Model> for CatalogueProduct {
    fn from(model: products::Model) -> Self {
        Self {
            db_id: model.id,
            seller_id: model.seller_id,
            category_id: model.category_id,
            title: model.title,
            description: model.description,
            halal_certified: model.halal_certified,
            published_at: model.published_at,
            updated_at: model.updated_at,
        }
    }
}

impl CatalogueProduct {
    async fn variant_models(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<entity::product_variants::Model>> {
        let loader = ctx.data::<CachedLoader<VariantsLoader>>()?;
        Ok(loader.load_one(self.db_id).await?.unwrap_or_default())
    }
}

#[ComplexObject]
impl CatalogueProduct {
    /// The product's global id (the same as on the dashboard).
    pub async fn id(&self) -> ID {
        to_id("Product", self.db_id)
    }

    async fn seller(&self, ctx: &Context<'_>) -> async_graphql::Result<SellerProfile> {
        let loader = ctx.data::<CachedLoader<SellerLoader>>()?;
        let seller = loader.load_one(self.seller_id).await?;
        Ok(seller.ok_or(AppError::NotFound("seller"))?.into())
    }

    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        let loader = ctx.data::<CachedLoader<CategoryLoader>>()?;
        let category = loader.load_one(self.category_id).await?;
        Ok(category.ok_or(AppError::NotFound("category"))?.into())
    }

    /// In display order; never empty.
    async fn variants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProductVariant>> {
        Ok(self
            .variant_models(ctx)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// In display order; at most 10.
    async fn images(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProductImage>> {
        let loader = ctx.data::<CachedLoader<ImagesLoader>>()?;
        let images = loader.load_one(self.db_id).await?.unwrap_or_default();
        Ok(images.into_iter().map(Into::into).collect())
    }

    async fn price_range(&self, ctx: &Context<'_>) -> async_graphql::Result<ProductPriceRange> {
        let variants = self.variant_models(ctx).await?;
        let prices = variants.iter().map(|variant| variant.price);
        // A product always has a variant; 0 only stands in for the impossible empty case.
        Ok(ProductPriceRange {
            min_variant_price: Money::rupiah(prices.clone().min().unwrap_or_default()),
            max_variant_price: Money::rupiah(prices.max().unwrap_or_default()),
        })
    }

    /// Some variant has stock.
    async fn in_stock(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self
            .variant_models(ctx)
            .await?
            .iter()
            .any(|variant| variant.stock > 0))
    }
}
