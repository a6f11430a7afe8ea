//! Product imports: rows grouped by handle, matched by SKU.

use serde_json::{Value, json};

use super::import;
use crate::helpers::{TestApp, count, spawn_app};

const PRODUCT_HEADER: &str = "product_handle,seller_phone,title,description,category,halal,\
                              status,sku,variant_name,options,price,stock,weight_grams,image_urls";

pub async fn a_category(app: &TestApp) -> String {
    use entity::categories;
    use sea_orm::{EntityTrait, QueryOrder};
    categories::Entity::find()
        .order_by_asc(categories::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the default category tree")
        .slug
}

fn product_file(category: &str) -> String {
    format!(
        "{PRODUCT_HEADER}\n\
         keripik,0812-3456-7890,Keripik Singkong,Renyah,{category},true,ACTIVE,KRP-PDS-250,\
         Pedas 250 g,rasa=Pedas;ukuran=250 g,15000,40,250,\
         https://img.example.id/krp-1.jpg|https://img.example.id/krp-2.jpg\n\
         keripik,,,,,,,KRP-ORI-250,Original 250 g,rasa=Original;ukuran=250 g,14000,25,250,\n\
         sambal,0812-3456-7890,Sambal Roa,,{category},false,DRAFT,SMB-ROA-200,,,32000,10,200,\n"
    )
}

#[tokio::test]
async fn product_rows_sharing_a_handle_become_one_product_and_reimporting_creates_none() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = product_file(&a_category(&app).await);

    let job = import(&app, &tenant.staff, "importProducts", csv.as_bytes()).await;

    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["rejectedCount"], 0, "{job}");
    assert_eq!(job["createdCount"], 3);
    assert_eq!(count(&app.db, "products").await, 2);
    assert_eq!(count(&app.db, "product_variants").await, 3);
    assert_eq!(count(&app.db, "product_images").await, 2);

    let again = import(&app, &tenant.staff, "importProducts", csv.as_bytes()).await;

    assert_eq!(again["createdCount"], 0, "{again}");
    assert_eq!(again["updatedCount"], 3);
    assert_eq!(count(&app.db, "products").await, 2);
    assert_eq!(count(&app.db, "product_variants").await, 3);
}

#[tokio::test]
async fn a_changed_price_updates_the_variant_and_bumps_the_product_version() {
    use entity::{product_variants, products};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = product_file(&a_category(&app).await);
    import(&app, &tenant.staff, "importProducts", csv.as_bytes()).await;

    let job = import(
        &app,
        &tenant.staff,
        "importProducts",
        csv.replace(",15000,", ",16500,").as_bytes(),
    )
    .await;

    assert_eq!(job["updatedCount"], 3, "{job}");
    let variant = product_variants::Entity::find()
        .filter(product_variants::Column::Sku.eq("KRP-PDS-250"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(variant.price, 16_500);
    let product = products::Entity::find_by_id(variant.product_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(product.version, 2);
    let untouched = products::Entity::find()
        .filter(products::Column::Title.eq("Sambal Roa"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched.version, 1);
}

#[tokio::test]
async fn product_rows_with_bad_values_are_rejected_with_their_lines() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let category = a_category(&app).await;
    let csv = format!(
        "{PRODUCT_HEADER}\n\
         a,0812-3456-7890,Produk A,,{category},true,ACTIVE,A-1,,,0,1,100,\n\
         b,0812-3456-7890,Produk B,,no-such-category,true,ACTIVE,B-1,,,1000,1,100,\n\
         c,0812-3456-7890,Produk C,,{category},true,ACTIVE,C-1,,,1000,1,100,http://insecure.example/c.jpg\n\
         d,0899-0000-0000,Produk D,,{category},true,ACTIVE,D-1,,,1000,1,100,\n\
         e,0812-3456-7890,Produk E,,{category},true,ACTIVE,E-1,,,1000,1,100,\n"
    );

    let job = import(&app, &tenant.staff, "importProducts", csv.as_bytes()).await;

    let rejected: Vec<(u64, Value)> = job["rejectedRows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["line"].as_u64().unwrap(), row["field"].clone()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, json!("price")),
            (3, json!("category")),
            (4, json!("image_urls")),
            (5, json!("seller_phone")),
        ],
        "{job}"
    );
    assert_eq!(job["createdCount"], 1);
    assert_eq!(count(&app.db, "products").await, 1);
}
