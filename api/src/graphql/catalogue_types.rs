//! The public catalogue's object types: what anyone, logged in or not, may see of a product
//! and its seller. Related records come through the request's DataLoaders.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    categories::{Category, category_by_id},
    enums::SellerSector,
    loaders::{CachedLoader, ImagesLoader, VariantsLoader},
    money::Money,
    product_variants::ProductVariant,
    products::{ProductImage, ProductPriceRange},
    relay::to_id,
};
use crate::{
    error::AppError,
    service::catalogue::public::{
        PriceRange, PublicImage, PublicProduct, PublicSeller, PublicVariant,
    },
};

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

impl From<PublicSeller> for SellerProfile {
    fn from(seller: PublicSeller) -> Self {
        Self {
            db_id: seller.id,
            business_name: seller.business_name,
            sector: seller.sector.into(),
            province: seller.province,
            city: seller.city,
            halal_certified: seller.halal_certified,
        }
    }
}

/// A product as the public catalogue shows it: ACTIVE, of an ACTIVE seller.
// Its seller, and its price range and stock when asked, come with it from the page's statement.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CatalogueProduct {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    category_id: i64,
    pub title: String,
    #[graphql(skip)]
    loaded_description: Option<String>,
    pub halal_certified: bool,
    /// When the product first became ACTIVE.
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    loaded_seller: SellerProfile,
    #[graphql(skip)]
    loaded_price_range: Option<PriceRange>,
    #[graphql(skip)]
    loaded_in_stock: Option<bool>,
    #[graphql(skip)]
    loaded_variants: Option<Vec<PublicVariant>>,
    #[graphql(skip)]
    loaded_images: Option<Vec<PublicImage>>,
}

impl From<PublicProduct> for CatalogueProduct {
    fn from(row: PublicProduct) -> Self {
        Self {
            db_id: row.id,
            category_id: row.category_id,
            title: row.title,
            loaded_description: row.description,
            halal_certified: row.halal_certified,
            published_at: row.published_at,
            updated_at: row.updated_at,
            loaded_seller: row.seller.into(),
            loaded_price_range: row.price_range,
            loaded_in_stock: row.in_stock,
            loaded_variants: row.variants,
            loaded_images: row.images,
        }
    }
}

// The variants and images come with the product whenever the query asks for them
// (`catalogue::fields_of`); the loaders only stand in when a query reaches them another way.
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

    async fn description(&self) -> async_graphql::Result<&str> {
        // The resolver that read the product asked for the description whenever the query
        // selects it (`catalogue::fields_of`).
        Ok(self
            .loaded_description
            .as_deref()
            .ok_or(AppError::Internal(anyhow::anyhow!(
                "the product's description was not read"
            )))?)
    }

    async fn seller(&self) -> &SellerProfile {
        &self.loaded_seller
    }

    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        category_by_id(ctx, self.category_id).await
    }

    /// In display order; never empty.
    async fn variants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProductVariant>> {
        if let Some(variants) = &self.loaded_variants {
            return Ok(variants.iter().cloned().map(Into::into).collect());
        }
        Ok(self
            .variant_models(ctx)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// In display order; at most 10.
    async fn images(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProductImage>> {
        if let Some(images) = &self.loaded_images {
            return Ok(images.iter().cloned().map(Into::into).collect());
        }
        let loader = ctx.data::<CachedLoader<ImagesLoader>>()?;
        let images = loader.load_one(self.db_id).await?.unwrap_or_default();
        Ok(images.into_iter().map(Into::into).collect())
    }

    async fn price_range(&self, ctx: &Context<'_>) -> async_graphql::Result<ProductPriceRange> {
        let range = match self.loaded_price_range {
            Some(range) => range,
            None => {
                let variants = self.variant_models(ctx).await?;
                let prices = variants.iter().map(|variant| variant.price);
                // A product always has a variant; 0 only stands in for the impossible case.
                PriceRange {
                    min: prices.clone().min().unwrap_or_default(),
                    max: prices.max().unwrap_or_default(),
                }
            }
        };
        Ok(ProductPriceRange {
            min_variant_price: Money::rupiah(range.min),
            max_variant_price: Money::rupiah(range.max),
        })
    }

    /// Some variant has stock.
    async fn in_stock(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if let Some(in_stock) = self.loaded_in_stock {
            return Ok(in_stock);
        }
        Ok(self
            .variant_models(ctx)
            .await?
            .iter()
            .any(|variant| variant.stock > 0))
    }
}
