//! Generates the rows of one synthetic aggregator: realistic Indonesian names, places,
//! sectors and products, from the demo data set's word lists.

use chrono::{DateTime, Duration, Utc};
use entity::{
    aggregators, channel_listings,
    enums::{ProductStatus, SellerScale, SellerStatus},
    product_images, product_variants, products, sellers,
};
use rand::{Rng, rngs::StdRng, seq::SliceRandom};
use sea_orm::Set;

use crate::{
    demo::data::{AGGREGATORS, DemoAggregator, OWNERS, SECTORS, short_city},
    domain::Validator,
    service::{
        aggregators::{self as aggregators_service, NewAggregator},
        listings::rows as listing_rows,
        products::{
            NewImage, NewProduct, NewVariant, checks,
            rows::{new_image, new_product, new_variant},
        },
        sellers::{NewSeller, rows as seller_rows, validate as validate_seller},
    },
};

/// The next id of each table.
pub struct NextIds {
    pub aggregator: i64,
    pub seller: i64,
    pub product: i64,
    pub variant: i64,
    pub image: i64,
    pub listing: i64,
}

fn take(next: &mut i64) -> i64 {
    let id = *next;
    *next += 1;
    id
}

pub struct AggregatorRows {
    pub aggregator: aggregators::ActiveModel,
    pub sellers: Vec<sellers::ActiveModel>,
    pub products: Vec<products::ActiveModel>,
    pub variants: Vec<product_variants::ActiveModel>,
    pub images: Vec<product_images::ActiveModel>,
    pub listings: Vec<channel_listings::ActiveModel>,
}

const ADJECTIVES: &[&str] = &[
    "Berkah",
    "Makmur",
    "Jaya",
    "Sentosa",
    "Lestari",
    "Barokah",
    "Mandiri",
    "Sejahtera",
    "Abadi",
    "Mulia",
    "Rezeki",
    "Amanah",
];
const FLAVOURS: &[&str] = &["Spesial", "Premium", "Asli", "Khas", "Pilihan", "Super"];

#[allow(clippy::too_many_arguments)]
pub fn aggregator(
    rng: &mut StdRng,
    ids: &mut NextIds,
    index: usize,
    seller_count: usize,
    product_count: usize,
    leaf_categories: &[(String, i64)],
    channel_ids: &[i64],
) -> anyhow::Result<AggregatorRows> {
    let now = Utc::now();
    let place = &AGGREGATORS[index % AGGREGATORS.len()];
    let aggregator_id = take(&mut ids.aggregator);
    let mut aggregator = aggregators_service::new_row(
        NewAggregator {
            slug: format!("seed-{aggregator_id}"),
            name: format!("{} (benchmark {index})", place.name),
            kind: place.kind,
            province: place.province.to_owned(),
            city: place.cities[0].to_owned(),
            contact_name: None,
            contact_email: None,
            contact_phone: None,
        },
        now,
    );
    aggregator.id = Set(aggregator_id);

    let mut rows = AggregatorRows {
        aggregator,
        sellers: Vec::with_capacity(seller_count),
        products: Vec::with_capacity(product_count),
        variants: Vec::with_capacity(product_count * 2),
        images: Vec::with_capacity(product_count),
        listings: Vec::new(),
    };
    // (seller id, sector index, halal) of each seller, to hang products on.
    let mut owners = Vec::with_capacity(seller_count);
    for number in 0..seller_count {
        let seller_id = take(&mut ids.seller);
        let (row, sector_index, food) = seller(rng, place, aggregator_id, seller_id, number, now)?;
        rows.sellers.push(row);
        owners.push((seller_id, sector_index, food));
    }
    if owners.is_empty() {
        return Ok(rows);
    }
    let here = Place {
        name: place.name,
        aggregator_id,
        leaf_categories,
        channel_ids,
        now,
    };
    for _ in 0..product_count {
        let owner = owners[rng.gen_range(0..owners.len())];
        push_product(rng, ids, &here, owner, &mut rows)?;
    }
    Ok(rows)
}

/// A seller of the aggregator at `place`, checked and built as onboarding would; with its
/// sector's index and whether it sells food.
fn seller(
    rng: &mut StdRng,
    place: &DemoAggregator,
    aggregator_id: i64,
    seller_id: i64,
    number: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<(sellers::ActiveModel, usize, bool)> {
    let sector_index = rng.gen_range(0..SECTORS.len());
    let (sector, names, _) = SECTORS[sector_index];
    let city = place.cities[rng.gen_range(0..place.cities.len())];
    let food = sector == entity::enums::SellerSector::FoodAndDrink;
    let input = NewSeller {
        business_name: format!(
            "{} {} {}",
            names.choose(rng).copied().unwrap_or("Usaha"),
            ADJECTIVES.choose(rng).copied().unwrap_or("Jaya"),
            short_city(city)
        ),
        owner_name: OWNERS.choose(rng).copied().unwrap_or("Sari").to_owned(),
        // Unique within the aggregator: 8 + a running number.
        phone: format!("+628{:010}", 1_000_000_000 + number),
        nib: rng
            .gen_bool(0.6)
            .then(|| format!("{:013}", 9_100_000_000_000u64 + number as u64)),
        sector,
        scale: [
            SellerScale::Micro,
            SellerScale::Micro,
            SellerScale::Small,
            SellerScale::Medium,
        ][rng.gen_range(0..4)],
        province: place.province.to_owned(),
        city: city.to_owned(),
        address: Some(format!(
            "Jl. Pahlawan No. {}, {city}",
            rng.gen_range(1..300)
        )),
        halal_cert_no: food.then(|| format!("ID{:012}", seller_id)),
        pirt_no: None,
        bpom_no: None,
    };
    let mut row = seller_rows::new_seller(aggregator_id, validate_seller(&input)?, now);
    row.id = Set(seller_id);
    if rng.gen_bool(0.02) {
        row.status = Set(SellerStatus::Suspended);
    }
    row.created_at = Set(now - Duration::days(rng.gen_range(0..365)));
    Ok((row, sector_index, food))
}

/// What the products of one aggregator are generated from.
struct Place<'a> {
    name: &'a str,
    aggregator_id: i64,
    leaf_categories: &'a [(String, i64)],
    channel_ids: &'a [i64],
    now: DateTime<Utc>,
}

/// Adds a product of the seller `(seller_id, sector index, halal)`, checked and built as
/// `createProduct` would (but for the ARCHIVED ones, which the mutation refuses), with its
/// variants, its image and, for some ACTIVE ones, a live listing.
fn push_product(
    rng: &mut StdRng,
    ids: &mut NextIds,
    at: &Place<'_>,
    owner: (i64, usize, bool),
    rows: &mut AggregatorRows,
) -> anyhow::Result<()> {
    let product_id = take(&mut ids.product);
    let generated = generate_product(rng, at, owner, product_id);
    let mut v = Validator::new();
    let mut product = checks::validate_new(&mut v, &generated.input);
    v.finish()?;
    product.fields.status = generated.status;

    let created = generated.created;
    let mut row = new_product((at.aggregator_id, owner.0), &product.fields, created);
    row.id = Set(product_id);
    rows.products.push(row);
    let variant_owner = (at.aggregator_id, product_id);
    for (position, variant) in (0..).zip(&product.variants) {
        let mut row = new_variant(variant_owner, variant, position, created);
        row.id = Set(take(&mut ids.variant));
        rows.variants.push(row);
    }
    for (position, image) in (0..).zip(&product.images) {
        let mut row = new_image(product_id, image, position, created);
        row.id = Set(take(&mut ids.image));
        rows.images.push(row);
    }
    if generated.status == ProductStatus::Active && !at.channel_ids.is_empty() && rng.gen_bool(0.3)
    {
        let channel_id = at.channel_ids[rng.gen_range(0..at.channel_ids.len())];
        let id = take(&mut ids.listing);
        rows.listings
            .push(live_listing(id, variant_owner, channel_id, created));
    }
    Ok(())
}

/// A generated product: the input `createProduct` would take, the status it ends up in, and
/// when it was created.
struct GeneratedProduct {
    input: NewProduct,
    status: ProductStatus,
    created: DateTime<Utc>,
}

fn generate_product(
    rng: &mut StdRng,
    at: &Place<'_>,
    (seller_id, sector_index, halal): (i64, usize, bool),
    product_id: i64,
) -> GeneratedProduct {
    let templates = SECTORS[sector_index].2;
    let (title, category_slug, base_price, weight, option_name, options) =
        templates[rng.gen_range(0..templates.len())];
    let category_id = at
        .leaf_categories
        .iter()
        .find(|(slug, _)| slug == category_slug)
        .or_else(|| at.leaf_categories.first())
        .map_or(1, |(_, id)| *id);
    let status = match rng.gen_range(0..20) {
        0 => ProductStatus::Draft,
        1 => ProductStatus::Archived,
        _ => ProductStatus::Active,
    };
    let price = (base_price * rng.gen_range(80..130) / 100 / 500).max(1) * 500;
    let created = at.now - Duration::minutes(rng.gen_range(0..525_600));
    let product_title = format!(
        "{title} {}",
        FLAVOURS.choose(rng).copied().unwrap_or("Asli")
    );
    let variant_count = rng.gen_range(1..=options.len().min(3));
    let variants = options
        .iter()
        .take(variant_count)
        .enumerate()
        .map(|(position, option)| NewVariant {
            sku: format!("SKU-{product_id}-{}", position + 1),
            name: Some((*option).to_owned()),
            option_values: vec![(option_name.to_owned(), (*option).to_owned())],
            price: (price + position as i64 * 1_000).to_string(),
            stock: rng.gen_range(0..200),
            weight_grams: weight,
        })
        .collect();
    let input = NewProduct {
        seller_id,
        category_id,
        title: product_title,
        description: Some(format!(
            "{title} buatan UMKM binaan {}. Dikemas rapi, siap kirim.",
            at.name
        )),
        status: Some(ProductStatus::Draft),
        halal_certified: halal,
        variants,
        images: vec![NewImage {
            url: format!("https://picsum.photos/seed/p{product_id}/800/800"),
            alt_text: Some(title.to_owned()),
        }],
    };
    GeneratedProduct {
        input,
        status,
        created,
    }
}

/// A listing delivered live to the channel when the product was created.
fn live_listing(
    id: i64,
    owner: (i64, i64),
    channel_id: i64,
    created: DateTime<Utc>,
) -> channel_listings::ActiveModel {
    let published = listing_rows::published(owner, channel_id, None, created);
    let mut listing = listing_rows::delivered(published, format!("ext-{}", owner.1), 1, created);
    listing.id = Set(id);
    listing
}
