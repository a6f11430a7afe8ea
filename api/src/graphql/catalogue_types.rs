//! The public catalogue's object types: what anyone, logged in or not, may see of a product
//! and its seller. Related records come through the request's DataLoaders.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    categories::{Category, category_by_id},
    enums::SellerSector,
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
// Its seller, and whatever else the query shows of it, come with it from the page's statement.
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

/// What the statement that read the product brought of `part`: the resolver that read it
/// asked for every part the query selects (`catalogue::fields_of`).
fn read<'a, T>(part: &'a Option<T>, name: &str) -> async_graphql::Result<&'a T> {
    Ok(part
        .as_ref()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the product's {name} was not read")))?)
}

#[ComplexObject]
impl CatalogueProduct {
    /// The product's global id (the same as on the dashboard).
    pub async fn id(&self) -> ID {
        to_id("Product", self.db_id)
    }

    async fn description(&self) -> async_graphql::Result<&str> {
        Ok(read(&self.loaded_description, "description")?)
    }

    async fn seller(&self) -> &SellerProfile {
        &self.loaded_seller
    }

    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        category_by_id(ctx, self.category_id).await
    }

    /// In display order; never empty.
    async fn variants(&self) -> async_graphql::Result<Vec<ProductVariant>> {
        let variants = read(&self.loaded_variants, "variants")?;
        Ok(variants.iter().cloned().map(Into::into).collect())
    }

    /// In display order; at most 10.
    async fn images(&self) -> async_graphql::Result<Vec<ProductImage>> {
        let images = read(&self.loaded_images, "images")?;
        Ok(images.iter().cloned().map(Into::into).collect())
    }

    async fn price_range(&self) -> async_graphql::Result<ProductPriceRange> {
        Ok((*read(&self.loaded_price_range, "price range")?).into())
    }

    /// Some variant has stock.
    async fn in_stock(&self) -> async_graphql::Result<bool> {
        Ok(*read(&self.loaded_in_stock, "stock")?)
    }
}
