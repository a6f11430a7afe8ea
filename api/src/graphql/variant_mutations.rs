//! Changes to a product's variants and their stock.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::product_variants;

use super::{
    app,
    guard::{ANY_USER, RoleGuard},
    payload::{UserError, into_payload},
    product_variants::{OptionValue, ProductVariant, pairs},
    products::Product,
    relay::input_id,
    user,
};
use crate::{
    error::AppResult,
    service::products::{
        NewVariant, stock,
        variants::{self as service, VariantChanges},
    },
};

#[derive(InputObject)]
pub struct AddProductVariantInput {
    pub product_id: ID,
    pub sku: String,
    pub name: Option<String>,
    #[graphql(default)]
    pub option_values: Vec<OptionValue>,
    pub price: String,
    #[graphql(default)]
    pub stock: i32,
    #[graphql(default)]
    pub weight_grams: i32,
}

/// Changes to a variant; absent fields stay as they are. Stock has its own mutations.
#[derive(InputObject)]
pub struct UpdateProductVariantInput {
    pub id: ID,
    pub sku: Option<String>,
    pub name: Option<String>,
    /// Replaces all options when given.
    pub option_values: Option<Vec<OptionValue>>,
    pub price: Option<String>,
    pub weight_grams: Option<i32>,
    pub position: Option<i32>,
}

#[derive(InputObject)]
pub struct RemoveProductVariantInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct SetVariantStockInput {
    pub variant_id: ID,
    /// The new count, 0 or more.
    pub stock: i32,
}

#[derive(InputObject)]
pub struct AdjustVariantStockInput {
    pub variant_id: ID,
    /// Added to the stock (negative to take away); refused if the stock would go below zero.
    pub delta: i32,
}

macro_rules! variant_payload {
    ($($name:ident),+ $(,)?) => {$(
        #[derive(SimpleObject)]
        pub struct $name {
            pub variant: Option<ProductVariant>,
            pub user_errors: Vec<UserError>,
        }
    )+};
}

variant_payload!(
    AddProductVariantPayload,
    UpdateProductVariantPayload,
    SetVariantStockPayload,
    AdjustVariantStockPayload,
);

#[derive(SimpleObject)]
pub struct RemoveProductVariantPayload {
    pub deleted_variant_id: Option<ID>,
    /// The product without the removed variant.
    pub product: Option<Product>,
    pub user_errors: Vec<UserError>,
}

fn variant_payload<P>(
    result: AppResult<product_variants::Model>,
    build: impl FnOnce(Option<ProductVariant>, Vec<UserError>) -> P,
) -> async_graphql::Result<P> {
    into_payload(result, |variant, errors| {
        build(variant.map(ProductVariant::from), errors)
    })
}

#[derive(Default)]
pub struct ProductVariantMutation;

/// Role checks happen in the services, after the tenant scope (see `ProductMutation`).
#[Object]
impl ProductVariantMutation {
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn add_product_variant(
        &self,
        ctx: &Context<'_>,
        input: AddProductVariantInput,
    ) -> async_graphql::Result<AddProductVariantPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let product_id = input_id(&input.product_id, "Product", "productId")?;
            let variant = NewVariant {
                sku: input.sku,
                name: input.name,
                option_values: pairs(input.option_values),
                price: input.price,
                stock: input.stock,
                weight_grams: input.weight_grams,
            };
            service::add(db, caller, product_id, variant).await
        }
        .await;
        variant_payload(result, |variant, user_errors| AddProductVariantPayload {
            variant,
            user_errors,
        })
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn update_product_variant(
        &self,
        ctx: &Context<'_>,
        input: UpdateProductVariantInput,
    ) -> async_graphql::Result<UpdateProductVariantPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.id, "ProductVariant", "id")?;
            let changes = VariantChanges {
                sku: input.sku,
                name: input.name,
                option_values: input.option_values.map(pairs),
                price: input.price,
                weight_grams: input.weight_grams,
                position: input.position,
            };
            service::update(db, caller, id, changes).await
        }
        .await;
        variant_payload(result, |variant, user_errors| UpdateProductVariantPayload {
            variant,
            user_errors,
        })
    }

    /// Removes a variant; the last variant of a product cannot be removed.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn remove_product_variant(
        &self,
        ctx: &Context<'_>,
        input: RemoveProductVariantInput,
    ) -> async_graphql::Result<RemoveProductVariantPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.id, "ProductVariant", "id")?;
            service::remove(db, caller, id).await
        }
        .await;
        let deleted = input.id;
        into_payload(result, |detail, user_errors| RemoveProductVariantPayload {
            deleted_variant_id: detail.as_ref().map(|_| deleted),
            product: detail.map(Product::from),
            user_errors,
        })
    }

    /// Sets a variant's stock to an absolute count (sellers too, for their own products).
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn set_variant_stock(
        &self,
        ctx: &Context<'_>,
        input: SetVariantStockInput,
    ) -> async_graphql::Result<SetVariantStockPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.variant_id, "ProductVariant", "variantId")?;
            stock::set_stock(db, caller, id, input.stock).await
        }
        .await;
        variant_payload(result, |variant, user_errors| SetVariantStockPayload {
            variant,
            user_errors,
        })
    }

    /// Adds to or takes from a variant's stock atomically; never below zero
    /// (`INSUFFICIENT_STOCK`). Sellers too, for their own products.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn adjust_variant_stock(
        &self,
        ctx: &Context<'_>,
        input: AdjustVariantStockInput,
    ) -> async_graphql::Result<AdjustVariantStockPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let id = input_id(&input.variant_id, "ProductVariant", "variantId")?;
            stock::adjust_stock(db, caller, id, input.delta).await
        }
        .await;
        variant_payload(result, |variant, user_errors| AdjustVariantStockPayload {
            variant,
            user_errors,
        })
    }
}
