//! The demo data set loaded by `dermaga --demo`: five aggregators across Indonesia, their
//! teams, fifty sellers, a few hundred products and the partner channels. Each part is
//! skipped when it already exists, so loading twice changes nothing.

pub(crate) mod data;
mod records;

use chrono::Utc;
use entity::{
    aggregators, channel_listings, channels,
    enums::{AggregatorStatus, Role, SellerScale, SellerSector, SellerStatus},
    product_variants, products, sellers, users,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use data::{AGGREGATORS, CHANNELS, DemoAggregator, OWNERS, SECTORS, short_city};
pub use data::{DEMO_ADMIN_EMAIL, DEMO_PASSWORD};
use records::{insert_product, insert_user};

use crate::{
    auth::hash_password,
    config::Settings,
    service::auth::ensure_platform_admin,
    service::{catalogue::changes as catalogue_changes, categories},
    state::AppContext,
};

pub struct DemoSummary {
    pub aggregators_created: usize,
    pub totals: Vec<(&'static str, u64)>,
}

impl DemoSummary {
    pub fn print(&self, settings: &Settings) {
        println!(
            "Dermaga demo data: {} aggregators created now",
            self.aggregators_created
        );
        for (what, total) in &self.totals {
            println!("  {total:>5} {what}");
        }
        println!(
            "Log in at http://{}:{}/graphql with any of these (password: {DEMO_PASSWORD}):",
            settings.host, settings.port
        );
        println!("  {DEMO_ADMIN_EMAIL:<36} PLATFORM_ADMIN");
        for aggregator in AGGREGATORS {
            println!(
                "  {:<36} AGGREGATOR_ADMIN ({})",
                format!("admin@{}.demo", aggregator.slug),
                aggregator.name
            );
            println!(
                "  {:<36} AGGREGATOR_STAFF",
                format!("staff@{}.demo", aggregator.slug)
            );
            println!(
                "  {:<36} SELLER",
                format!("seller@{}.demo", aggregator.slug)
            );
        }
        println!(
            "e.g. mutation {{ login(input: {{email: \"{DEMO_ADMIN_EMAIL}\", password: \"{DEMO_PASSWORD}\"}}) {{ session {{ accessToken }} }} }}"
        );
    }
}

/// Loads whatever part of the demo data set is missing.
pub async fn load(context: &AppContext) -> anyhow::Result<DemoSummary> {
    let db = &context.db;
    categories::ensure_default_tree(db).await?;
    ensure_platform_admin(db, DEMO_ADMIN_EMAIL, DEMO_PASSWORD).await?;
    ensure_channels(db).await?;
    // One hash for every demo login: argon2 is slow on purpose.
    let password_hash = hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut aggregators_created = 0;
    for (index, aggregator) in AGGREGATORS.iter().enumerate() {
        let exists = aggregators::Entity::find()
            .filter(aggregators::Column::Slug.eq(aggregator.slug))
            .one(db)
            .await?
            .is_some();
        if !exists {
            let txn = crate::db::begin_write(db).await?;
            load_aggregator(&txn, index, aggregator, &password_hash).await?;
            // The demo rows bypass the services; delta sync must still see them.
            catalogue_changes::stamp_all_products(&txn).await?;
            txn.commit().await?;
            aggregators_created += 1;
        }
    }
    Ok(DemoSummary {
        aggregators_created,
        totals: vec![
            ("aggregators", aggregators::Entity::find().count(db).await?),
            ("sellers", sellers::Entity::find().count(db).await?),
            ("products", products::Entity::find().count(db).await?),
            (
                "variants",
                product_variants::Entity::find().count(db).await?,
            ),
            ("channels", channels::Entity::find().count(db).await?),
            (
                "channel listings",
                channel_listings::Entity::find().count(db).await?,
            ),
            ("logins", users::Entity::find().count(db).await?),
        ],
    })
}

pub(crate) async fn ensure_channels(db: &impl ConnectionTrait) -> anyhow::Result<()> {
    for (code, name, kind) in CHANNELS {
        let exists = channels::Entity::find()
            .filter(channels::Column::Code.eq(*code))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let secret: [u8; 24] = rand::random();
        let now = Utc::now();
        channels::ActiveModel {
            code: Set((*code).to_owned()),
            name: Set((*name).to_owned()),
            kind: Set(*kind),
            webhook_url: Set(None),
            signing_secret: Set(secret.iter().map(|b| format!("{b:02x}")).collect()),
            rules: Set(json!({ "maxTitleLength": 70, "minPrice": 1000, "halalRequired": false })),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn load_aggregator(
    db: &impl ConnectionTrait,
    index: usize,
    demo: &DemoAggregator,
    password_hash: &str,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let aggregator = aggregators::ActiveModel {
        slug: Set(demo.slug.to_owned()),
        name: Set(demo.name.to_owned()),
        kind: Set(demo.kind),
        province: Set(demo.province.to_owned()),
        city: Set(demo.cities[0].to_owned()),
        contact_name: Set(Some("Tim Pendamping UMKM".to_owned())),
        contact_email: Set(Some(format!("halo@{}.demo", demo.slug))),
        contact_phone: Set(Some(format!("+62811000{:04}", index * 10 + 1))),
        status: Set(AggregatorStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for (prefix, role, display) in [
        ("admin", Role::AggregatorAdmin, "Admin"),
        ("staff", Role::AggregatorStaff, "Pendamping"),
    ] {
        insert_user(
            db,
            &format!("{prefix}@{}.demo", demo.slug),
            &format!("{display} {}", demo.name),
            role,
            Some(aggregator.id),
            None,
            password_hash,
        )
        .await?;
    }

    let all_channels = channels::Entity::find().all(db).await?;
    let all_categories = categories::all(db).await?;
    let mut seller_number = 0usize;
    for (sector_index, (sector, names, templates)) in SECTORS.iter().enumerate() {
        for (name_index, business_name) in names.iter().enumerate() {
            // Ten sellers per aggregator, spread over the sectors and cities.
            if (name_index + index) % 2 == 1 && names.len() > 2 {
                continue;
            }
            seller_number += 1;
            let city = demo.cities[seller_number % demo.cities.len()];
            let food = *sector == SellerSector::FoodAndDrink;
            let seller = sellers::ActiveModel {
                aggregator_id: Set(aggregator.id),
                business_name: Set(format!("{business_name} {}", short_city(city))),
                owner_name: Set(OWNERS[(seller_number + index) % OWNERS.len()].to_owned()),
                phone: Set(format!(
                    "+628{}{:02}{:06}",
                    11 + index,
                    sector_index,
                    seller_number * 7919
                )),
                nib: Set((!seller_number.is_multiple_of(3))
                    .then(|| format!("91200{}{:07}", index, seller_number * 104_729))),
                sector: Set(*sector),
                scale: Set(match seller_number % 5 {
                    0 => SellerScale::Small,
                    4 => SellerScale::Medium,
                    _ => SellerScale::Micro,
                }),
                province: Set(demo.province.to_owned()),
                city: Set(city.to_owned()),
                address: Set(Some(format!(
                    "Jl. Merdeka No. {}, {city}",
                    seller_number * 3
                ))),
                halal_cert_no: Set(
                    food.then(|| format!("ID{}{:010}", 31 + index, seller_number * 4_241))
                ),
                pirt_no: Set(food.then(|| format!("P-IRT {:015}", seller_number * 99_991))),
                bpom_no: Set(None),
                status: Set(if seller_number == 9 {
                    SellerStatus::Suspended
                } else {
                    SellerStatus::Active
                }),
                created_at: Set(now - chrono::Duration::days((seller_number * 6) as i64)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            if seller_number == 1 {
                insert_user(
                    db,
                    &format!("seller@{}.demo", demo.slug),
                    &seller.owner_name,
                    Role::Seller,
                    Some(aggregator.id),
                    Some(seller.id),
                    password_hash,
                )
                .await?;
            }
            for (product_index, template) in templates.iter().enumerate() {
                let category_id = all_categories
                    .iter()
                    .find(|category| category.slug == template.1)
                    .map(|category| category.id)
                    .ok_or_else(|| anyhow::anyhow!("missing category {}", template.1))?;
                let sku_base = format!(
                    "{}-{}-{}",
                    demo.slug.split('-').next().unwrap_or("dmg").to_uppercase(),
                    seller.id,
                    product_index + 1
                );
                insert_product(
                    db,
                    &seller,
                    category_id,
                    template,
                    &sku_base,
                    food,
                    product_index,
                    &all_channels,
                )
                .await?;
            }
        }
    }
    Ok(())
}
