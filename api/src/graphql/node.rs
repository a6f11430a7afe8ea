use async_graphql::{Context, ID, Interface, Object};

use super::{
    aggregators::Aggregator,
    app,
    catalogue::{public_product, seller_profile},
    catalogue_types::{CatalogueProduct, SellerProfile},
    categories::Category,
    channel_types::Channel,
    gql,
    listings::ChannelListing,
    orders::Order,
    product_variants::ProductVariant,
    products::{Product, ProductImage},
    response_cache::tag_response,
    sellers::Seller,
    user,
    users::User,
};
use crate::{
    cache::tags,
    error::{AppError, FieldErrorCode},
    global_id,
    service::{
        aggregators, categories, channels, listings, orders,
        products::{self, images as product_images, variants},
        sellers, users,
    },
};

/// Anything with a global id, fetchable through `node(id)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Aggregator(Aggregator),
    User(User),
    Seller(Seller),
    Product(Product),
    ProductVariant(ProductVariant),
    ProductImage(ProductImage),
    Category(Category),
    CatalogueProduct(CatalogueProduct),
    SellerProfile(SellerProfile),
    Channel(Channel),
    ChannelListing(ChannelListing),
    Order(Order),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id, within what the caller may see. Without a login,
    /// a Product id gives the public `CatalogueProduct`, a Seller id its `SellerProfile`, and
    /// Category ids work; other types need a login.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Node> {
        let db = &app(ctx)?.db;
        let Some((type_name, id)) = global_id::decode(id.as_str()) else {
            return Err(AppError::invalid(
                &["id"],
                FieldErrorCode::Invalid,
                "is not a valid global id",
            )
            .into());
        };
        let Ok(caller) = user(ctx) else {
            return match type_name {
                "Product" => Ok(Node::CatalogueProduct(public_product(ctx, id).await?)),
                "Seller" => Ok(Node::SellerProfile(seller_profile(ctx, id).await?)),
                "Category" => {
                    tag_response(ctx, [tags::CATEGORIES.to_owned()]);
                    Ok(Node::Category(gql(categories::find(db, id).await)?.into()))
                }
                _ => Err(AppError::Unauthenticated.into()),
            };
        };
        match type_name {
            "Aggregator" => Ok(Node::Aggregator(
                gql(aggregators::find(db, caller, id).await)?.into(),
            )),
            "User" => Ok(Node::User(gql(users::find(db, caller, id).await)?.into())),
            "Seller" => Ok(Node::Seller(
                gql(sellers::find(db, caller, id).await)?.into(),
            )),
            "Product" => Ok(Node::Product(
                gql(products::find_detail(db, caller, id).await)?.into(),
            )),
            "ProductVariant" => Ok(Node::ProductVariant(
                gql(variants::find(db, caller, id).await)?.into(),
            )),
            "ProductImage" => Ok(Node::ProductImage(
                gql(product_images::find(db, caller, id).await)?.into(),
            )),
            "Category" => Ok(Node::Category(gql(categories::find(db, id).await)?.into())),
            "Channel" => Ok(Node::Channel(gql(channels::find(db, id).await)?.into())),
            "ChannelListing" => Ok(Node::ChannelListing(
                gql(listings::find(db, caller, id).await)?.into(),
            )),
            "Order" => Ok(Node::Order(gql(orders::find(db, caller, id).await)?.into())),
            _ => Err(AppError::NotFound("node").into()),
        }
    }
}
