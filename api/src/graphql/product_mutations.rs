//! Catalogue changes: creating, updating and archiving products, replacing their images.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{
    app,
    guard::{ANY_USER, RoleGuard},
    payload::{UserError, into_payload},
    product_variants::ProductVariantInput,
    products::{Product, ProductStatus},
    relay::input_id,
    user,
};
use crate::{
    error::AppResult,
    service::{
        catalogue::ProductDetail,
        products::{self as service, NewProduct, ProductChanges, images as images_service},
    },
};

#[derive(InputObject)]
pub struct ProductImageInput {
    /// An `https://` URL.
    pub url: String,
    pub alt_text: Option<String>,
}

impl From<ProductImageInput> for service::NewImage {
    fn from(input: ProductImageInput) -> Self {
        Self {
            url: input.url,
            alt_text: input.alt_text,
        }
    }
}

#[derive(InputObject)]
pub struct CreateProductInput {
    /// A seller of the caller's aggregator.
    pub seller_id: ID,
    pub category_id: ID,
    pub title: String,
    pub description: Option<String>,
    /// DRAFT (the default) or ACTIVE.
    pub status: Option<ProductStatus>,
    #[graphql(default)]
    pub halal_certified: bool,
    /// At least one.
    pub variants: Vec<ProductVariantInput>,
    /// At most 10, in display order.
    #[graphql(default)]
    pub images: Vec<ProductImageInput>,
}

/// Changes to a product; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProductInput {
    pub id: ID,
    /// The `version` the change is based on; a stale one is refused with CONFLICT.
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<ID>,
    /// DRAFT or ACTIVE (archive with `archiveProduct`).
    pub status: Option<ProductStatus>,
    pub halal_certified: Option<bool>,
}

#[derive(InputObject)]
pub struct ArchiveProductInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct SetProductImagesInput {
    pub product_id: ID,
    /// The new list, replacing the old one: at most 10, in display order.
    pub images: Vec<ProductImageInput>,
}

macro_rules! product_payload {
    ($($name:ident),+ $(,)?) => {$(
        #[derive(SimpleObject)]
        pub struct $name {
            pub product: Option<Product>,
            pub user_errors: Vec<UserError>,
        }
    )+};
}

product_payload!(
    CreateProductPayload,
    UpdateProductPayload,
    ArchiveProductPayload,
    SetProductImagesPayload,
);

fn product_payload<P>(
    result: AppResult<ProductDetail>,
    build: impl FnOnce(Option<Product>, Vec<UserError>) -> P,
) -> async_graphql::Result<P> {
    into_payload(result, |detail, errors| {
        build(detail.map(Product::from), errors)
    })
}

#[derive(Default)]
pub struct ProductMutation;

/// Role checks happen in the services, after the tenant scope: a record another business
/// owns reads as NOT_FOUND whatever the caller's role.
#[Object]
impl ProductMutation {
    /// Creates a product with its variants and images (aggregator admins and staff).
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> async_graphql::Result<CreateProductPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let input = NewProduct {
                seller_id: input_id(&input.seller_id, "Seller", "sellerId")?,
                category_id: input_id(&input.category_id, "Category", "categoryId")?,
                title: input.title,
                description: input.description,
                status: input.status.map(Into::into),
                halal_certified: input.halal_certified,
                variants: input.variants.into_iter().map(Into::into).collect(),
                images: input.images.into_iter().map(Into::into).collect(),
            };
            service::create(db, caller, input).await
        }
        .await;
        product_payload(result, |product, user_errors| CreateProductPayload {
            product,
            user_errors,
        })
    }

    /// Changes a product at the version the client last saw.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        input: UpdateProductInput,
    ) -> async_graphql::Result<UpdateProductPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.id, "Product", "id")?;
            let changes = ProductChanges {
                expected_version: input.expected_version,
                title: input.title,
                description: input.description,
                category_id: input
                    .category_id
                    .map(|id| input_id(&id, "Category", "categoryId"))
                    .transpose()?,
                status: input.status.map(Into::into),
                halal_certified: input.halal_certified,
            };
            service::update(db, caller, id, changes).await
        }
        .await;
        product_payload(result, |product, user_errors| UpdateProductPayload {
            product,
            user_errors,
        })
    }

    /// Takes a product off sale; it stays in the dashboard as ARCHIVED.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn archive_product(
        &self,
        ctx: &Context<'_>,
        input: ArchiveProductInput,
    ) -> async_graphql::Result<ArchiveProductPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.id, "Product", "id")?;
            service::archive(db, caller, id).await
        }
        .await;
        product_payload(result, |product, user_errors| ArchiveProductPayload {
            product,
            user_errors,
        })
    }

    /// Replaces a product's images.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn set_product_images(
        &self,
        ctx: &Context<'_>,
        input: SetProductImagesInput,
    ) -> async_graphql::Result<SetProductImagesPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.product_id, "Product", "productId")?;
            let images = input.images.into_iter().map(Into::into).collect();
            images_service::set(db, caller, id, images).await
        }
        .await;
        product_payload(result, |product, user_errors| SetProductImagesPayload {
            product,
            user_errors,
        })
    }
}
