//! The demo data set loaded by `dermaga --demo`: five aggregators across Indonesia, their
//! teams, fifty sellers, a few hundred products and the partner channels. Each part is
//! skipped when it already exists, so loading twice changes nothing.

pub(crate) mod data;
mod records;

use chrono::{DateTime, Utc};
use entity::{
    aggregators, channel_listings, channels,
    enums::{Role, SellerScale, SellerSector, SellerStatus},
    product_variants, products, sellers, users,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use data::{AGGREGATORS, CHANNELS, DemoAggregator, OWNERS, SECTORS, short_city};
pub use data::{DEMO_ADMIN_EMAIL, DEMO_PASSWORD};
use records::{insert_product, insert_user};

use crate::{
    auth::hash_password,
    config::Settings,
    service::auth::ensure_platform_admin,
    service::{
        aggregators::{self as aggregators_service, NewAggregator},
        catalogue::changes as catalogue_changes,
        categories,
        sellers::{NewSeller, rows as seller_rows, validate as validate_seller},
    },
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
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<DemoSummary> {
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

/// What the sellers of one demo aggregator are loaded with.
struct Loading<'a> {
    index: usize,
    demo: &'a DemoAggregator,
    aggregator_id: i64,
    password_hash: &'a str,
    channels: Vec<channels::Model>,
    categories: Vec<entity::categories::Model>,
    now: DateTime<Utc>,
}

async fn load_aggregator(
    db: &impl ConnectionTrait,
    index: usize,
    demo: &DemoAggregator,
    password_hash: &str,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let aggregator_id = insert_aggregator(db, index, demo, password_hash, now).await?;
    let here = Loading {
        index,
        demo,
        aggregator_id,
        password_hash,
        channels: channels::Entity::find().all(db).await?,
        categories: categories::all(db).await?,
        now,
    };
    let mut seller_number = 0usize;
    for (sector_index, (_, names, _)) in SECTORS.iter().enumerate() {
        for (name_index, business_name) in names.iter().enumerate() {
            // Ten sellers per aggregator, spread over the sectors and cities.
            if (name_index + index) % 2 == 1 && names.len() > 2 {
                continue;
            }
            seller_number += 1;
            load_seller(db, &here, sector_index, business_name, seller_number).await?;
        }
    }
    Ok(())
}

/// The aggregator and the logins of its admin and staff; its id.
async fn insert_aggregator(
    db: &impl ConnectionTrait,
    index: usize,
    demo: &DemoAggregator,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let aggregator = aggregators_service::new_row(
        NewAggregator {
            slug: demo.slug.to_owned(),
            name: demo.name.to_owned(),
            kind: demo.kind,
            province: demo.province.to_owned(),
            city: demo.cities[0].to_owned(),
            contact_name: Some("Tim Pendamping UMKM".to_owned()),
            contact_email: Some(format!("halo@{}.demo", demo.slug)),
            contact_phone: Some(format!("+62811000{:04}", index * 10 + 1)),
        },
        now,
    )
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
    Ok(aggregator.id)
}

/// A seller, checked and built as onboarding would (a few start suspended), with its
/// products; the first seller of each aggregator gets a login.
async fn load_seller(
    db: &impl ConnectionTrait,
    here: &Loading<'_>,
    sector_index: usize,
    business_name: &str,
    seller_number: usize,
) -> anyhow::Result<()> {
    let (demo, now) = (here.demo, here.now);
    let (sector, _, templates) = SECTORS[sector_index];
    let input = seller_input(demo, here.index, sector_index, business_name, seller_number);
    let mut row = seller_rows::new_seller(here.aggregator_id, validate_seller(&input)?, now);
    if seller_number == 9 {
        row.status = Set(SellerStatus::Suspended);
    }
    row.created_at = Set(now - chrono::Duration::days((seller_number * 6) as i64));
    let seller = row.insert(db).await?;
    if seller_number == 1 {
        insert_user(
            db,
            &format!("seller@{}.demo", demo.slug),
            &seller.owner_name,
            Role::Seller,
            Some(here.aggregator_id),
            Some(seller.id),
            here.password_hash,
        )
        .await?;
    }
    let food = sector == SellerSector::FoodAndDrink;
    for (product_index, template) in templates.iter().enumerate() {
        let category_id = here
            .categories
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
            &here.channels,
        )
        .await?;
    }
    Ok(())
}

/// The `seller_number`-th demo seller of the `index`-th aggregator, as onboarding would take it.
fn seller_input(
    demo: &DemoAggregator,
    index: usize,
    sector_index: usize,
    business_name: &str,
    seller_number: usize,
) -> NewSeller {
    let (sector, _, _) = SECTORS[sector_index];
    let city = demo.cities[seller_number % demo.cities.len()];
    let food = sector == SellerSector::FoodAndDrink;
    NewSeller {
        business_name: format!("{business_name} {}", short_city(city)),
        owner_name: OWNERS[(seller_number + index) % OWNERS.len()].to_owned(),
        phone: format!(
            "+628{}{:02}{:06}",
            11 + index,
            sector_index,
            seller_number * 7919
        ),
        nib: (!seller_number.is_multiple_of(3))
            .then(|| format!("91200{}{:07}", index, seller_number * 104_729)),
        sector,
        scale: match seller_number % 5 {
            0 => SellerScale::Small,
            4 => SellerScale::Medium,
            _ => SellerScale::Micro,
        },
        province: demo.province.to_owned(),
        city: city.to_owned(),
        address: Some(format!("Jl. Merdeka No. {}, {city}", seller_number * 3)),
        halal_cert_no: food.then(|| format!("ID{}{:010}", 31 + index, seller_number * 4_241)),
        pirt_no: food.then(|| format!("P-IRT {:015}", seller_number * 99_991)),
        bpom_no: None,
    }
}
