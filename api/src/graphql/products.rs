//! Products as the dashboard reads them: the object types and the `managedProducts` queries.
//! Changes are in [`super::product_mutations`].

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::product_images;

use super::{
    app,
    categories::{Category, category_by_id},
    gql,
    guard::{ANY_USER, RoleGuard},
    loaders::{ListingsByProductLoader, ScopedSellerLoader, load_one},
    money::Money,
    product_variants::ProductVariant,
    relay::{IdConnection, IdCursor, connection, page_request, parse_id, to_id},
    sellers::Seller,
    user,
};
use crate::{
    error::AppError,
    service::{
        catalogue::{
            ProductDetail,
            public::{PriceRange, PublicImage},
        },
        products::{
            self as service,
            search::{self as product_search, ProductFilter},
        },
    },
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ProductStatus")]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

/// The cheapest and dearest variant of a product.
#[derive(SimpleObject)]
pub struct ProductPriceRange {
    pub min_variant_price: Money,
    pub max_variant_price: Money,
}

/// An image of a product, shown in `position` order.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ProductImage {
    #[graphql(skip)]
    pub db_id: i64,
    /// Always `https://`.
    pub url: String,
    pub alt_text: Option<String>,
    pub position: i32,
}

#[ComplexObject]
impl ProductImage {
    pub async fn id(&self) -> ID {
        to_id("ProductImage", self.db_id)
    }
}

impl From<PriceRange> for ProductPriceRange {
    fn from(range: PriceRange) -> Self {
        Self {
            min_variant_price: Money::rupiah(range.min),
            max_variant_price: Money::rupiah(range.max),
        }
    }
}

impl From<PublicImage> for ProductImage {
    fn from(image: PublicImage) -> Self {
        Self {
            db_id: image.id,
            url: image.url,
            alt_text: image.alt_text,
            position: image.position,
        }
    }
}

impl From<product_images::Model> for ProductImage {
    fn from(model: product_images::Model) -> Self {
        Self {
            db_id: model.id,
            url: model.url,
            alt_text: model.alt_text,
            position: model.position,
        }
    }
}

/// Something a seller offers, with its variants and images.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Product {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    seller_id: i64,
    #[graphql(skip)]
    category_id: i64,
    pub title: String,
    pub description: String,
    pub status: ProductStatus,
    pub halal_certified: bool,
    /// Increases with every change to the product, its variants, their stock or its images.
    pub version: i32,
    /// In display order; never empty.
    pub variants: Vec<ProductVariant>,
    /// In display order; at most 10.
    pub images: Vec<ProductImage>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the product first became ACTIVE.
    pub published_at: Option<DateTime<Utc>>,
}

#[ComplexObject]
impl Product {
    pub async fn id(&self) -> ID {
        to_id("Product", self.db_id)
    }

    async fn seller(&self, ctx: &Context<'_>) -> async_graphql::Result<Seller> {
        let seller = load_one::<ScopedSellerLoader>(ctx, self.seller_id).await?;
        Ok(seller.ok_or(AppError::NotFound("seller"))?.into())
    }

    /// Where the product is listed, and how far each delivery got.
    async fn channel_listings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::listings::ChannelListing>> {
        let listings = load_one::<ListingsByProductLoader>(ctx, self.db_id).await?;
        Ok(listings.into_iter().flatten().map(Into::into).collect())
    }

    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        category_by_id(ctx, self.category_id).await
    }

    async fn price_range(&self) -> ProductPriceRange {
        PriceRange::of(self.variants.iter().map(|variant| variant.price_rupiah)).into()
    }
}

impl From<ProductDetail> for Product {
    fn from(detail: ProductDetail) -> Self {
        let product = detail.product;
        Self {
            db_id: product.id,
            seller_id: product.seller_id,
            category_id: product.category_id,
            title: product.title,
            description: product.description,
            status: product.status.into(),
            halal_certified: product.halal_certified,
            version: product.version,
            variants: detail.variants.into_iter().map(Into::into).collect(),
            images: detail.images.into_iter().map(Into::into).collect(),
            created_at: product.created_at,
            updated_at: product.updated_at,
            published_at: product.published_at,
        }
    }
}

#[derive(InputObject, Default)]
pub struct ManagedProductFilter {
    pub seller_id: Option<ID>,
    pub status: Option<ProductStatus>,
    /// This category or one of its sub-categories.
    pub category_id: Option<ID>,
    /// A piece of the title (any case) or a variant's exact SKU.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// The catalogue the caller manages, drafts and archived products included
    /// (a SELLER sees only its own products).
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn managed_products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ManagedProductFilter>,
    ) -> async_graphql::Result<IdConnection<Product>> {
        let filter = filter.unwrap_or_default();
        let id = |id: Option<ID>, type_name, field| {
            id.map(|id| parse_id(&id, type_name, field)).transpose()
        };
        let filter = ProductFilter {
            seller_id: gql(id(filter.seller_id, "Seller", "sellerId"))?,
            status: filter.status.map(Into::into),
            category_id: gql(id(filter.category_id, "Category", "categoryId"))?,
            search: filter.search,
        };
        let page = gql(page_request(first, after))?;
        let page = gql(product_search::list(&app(ctx)?.db, user(ctx)?, filter, page).await)?;
        Ok(connection(
            page,
            |detail| IdCursor(detail.product.id),
            Product::from,
        ))
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn managed_product(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Product> {
        let id = gql(parse_id(&id, "Product", "id"))?;
        Ok(gql(service::find_detail(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }
}
