use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use entity::categories;

use super::{
    app, gql,
    loaders::{CategoryChildrenLoader, load_one},
    relay::to_id,
    response_cache::tag_response,
};
use crate::{error::AppError, service::categories as service};

/// A node of the shared product category tree (names in Indonesian).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Category {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    parent_id: Option<i64>,
    /// Stable, URL-safe: `keripik-camilan`.
    pub slug: String,
    pub name: String,
    /// Children already loaded with the tree, so `categories` costs one query.
    #[graphql(skip)]
    loaded_children: Option<Vec<Category>>,
}

#[ComplexObject]
impl Category {
    pub async fn id(&self) -> ID {
        to_id("Category", self.db_id)
    }

    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Category>> {
        match self.parent_id {
            None => Ok(None),
            Some(id) => Ok(Some(category_by_id(ctx, id).await?)),
        }
    }

    /// Sub-categories, in display order.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        if let Some(children) = &self.loaded_children {
            return Ok(children.clone());
        }
        let children = load_one::<CategoryChildrenLoader>(ctx, self.db_id).await?;
        Ok(children.into_iter().flatten().map(Category::from).collect())
    }
}

/// A category from the tree in memory (`CategoryDirectory`): no statement per product.
pub(super) async fn category_by_id(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Category> {
    let app = app(ctx)?;
    let category = gql(app.categories.get(&app.db, id).await)?;
    Ok(category.ok_or(AppError::NotFound("category"))?.into())
}

impl From<categories::Model> for Category {
    fn from(model: categories::Model) -> Self {
        Self {
            db_id: model.id,
            parent_id: model.parent_id,
            slug: model.slug,
            name: model.name,
            loaded_children: None,
        }
    }
}

/// Builds the tree from every category: the roots, each with its descendants loaded.
fn tree(mut all: Vec<categories::Model>) -> Vec<Category> {
    all.sort_by_key(|category| (category.position, category.id));
    let mut by_parent: HashMap<Option<i64>, Vec<categories::Model>> = HashMap::new();
    for category in all {
        by_parent
            .entry(category.parent_id)
            .or_default()
            .push(category);
    }
    fn build(
        parent: Option<i64>,
        by_parent: &mut HashMap<Option<i64>, Vec<categories::Model>>,
    ) -> Vec<Category> {
        let models = by_parent.remove(&parent).unwrap_or_default();
        models
            .into_iter()
            .map(|model| {
                let children = build(Some(model.id), by_parent);
                let mut category = Category::from(model);
                category.loaded_children = Some(children);
                category
            })
            .collect()
    }
    build(None, &mut by_parent)
}

#[derive(Default)]
pub struct CategoryQuery;

#[Object]
impl CategoryQuery {
    /// The whole category tree: the top-level categories with their children. Public.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        tag_response(ctx, [crate::cache::tags::CATEGORIES.to_owned()]);
        let all = gql(service::all(&app(ctx)?.db).await)?;
        Ok(tree(all))
    }
}
