//! What happened: the audit log and the import jobs.

use chrono::Utc;
use entity::{
    enums::{ImportKind, ImportStatus},
    import_jobs,
};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use super::*;

const AUDIT_LOG: &str = "query($first: Int) { auditLog(first: $first) { edges { node {
    id action entityType entityId actorId changes createdAt } } } }";

#[tokio::test]
async fn a_page_of_the_audit_log_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-audit").await;
    for index in 0..LARGE {
        let (name, phone) = (format!("Warung {index}"), format!("0813-7777-00{index:02}"));
        app.onboard_seller(&tenant.staff, &name, &phone).await;
    }

    let token = &tenant.admin.access_token;
    // The count and the page.
    let page = Page {
        query: AUDIT_LOG,
        connection: "auditLog",
        variables: json!({}),
        token,
        most: 2.0,
    };
    assert_flat(&app, page).await;
}

const IMPORT_JOBS: &str = "query($first: Int) { importJobs(first: $first) { edges { node {
    id kind status fileName totalRows rejectedCount rejectedRows { line field message }
    error createdAt finishedAt } } } }";

#[tokio::test]
async fn a_page_of_import_jobs_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-imports").await;
    let now = Utc::now();
    for index in 0..LARGE {
        import_jobs::ActiveModel {
            aggregator_id: Set(db_id(&tenant.aggregator_id)),
            created_by_user_id: Set(Some(db_id(&tenant.staff_user_id))),
            kind: Set(ImportKind::Sellers),
            status: Set(ImportStatus::Succeeded),
            file_name: Set(format!("penjual-{index}.csv")),
            total_rows: Set(2),
            processed_rows: Set(2),
            created_count: Set(1),
            updated_count: Set(0),
            rejected_count: Set(1),
            rejected_rows: Set(json!([{ "line": 3, "field": "phone", "message": "is invalid" }])),
            created_at: Set(now),
            started_at: Set(Some(now)),
            finished_at: Set(Some(now)),
            heartbeat_at: Set(now),
            attempts: Set(1),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let token = &tenant.staff.access_token;
    // The count and the page.
    let page = Page {
        query: IMPORT_JOBS,
        connection: "importJobs",
        variables: json!({}),
        token,
        most: 2.0,
    };
    assert_flat(&app, page).await;
}

const ORDERS: &str = "query($first: Int) { orders(first: $first) { totalCount edges { node {
    id externalId status total { amount } channel { code } seller { id businessName }
    lines { sku quantity acceptedQuantity problem } } } } }";

#[tokio::test]
async fn a_page_of_orders_runs_the_same_few_statements_at_any_size() {
    use entity::{enums::OrderStatus, order_lines, orders};
    let app = quiet_app().await;
    let tenant = app.tenant("dash-orders").await;
    let aggregator = db_id(&tenant.aggregator_id);
    let channel = channel(&app, "dash-orders").await;
    let now = Utc::now();
    for index in 0..LARGE {
        let order = orders::ActiveModel {
            aggregator_id: Set(aggregator),
            channel_id: Set(channel),
            seller_id: Set(Some(db_id(&tenant.seller_id))),
            external_id: Set(format!("ORD-{index}")),
            status: Set(OrderStatus::Paid),
            needs_attention: Set(false),
            stock_held: Set(false),
            total_amount: Set(30_000),
            placed_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        for position in 0..2 {
            order_lines::ActiveModel {
                order_id: Set(order.id),
                position: Set(position),
                sku: Set(format!("SKU-{position}")),
                quantity: Set(1),
                unit_price: Set(15_000),
                accepted_quantity: Set(1),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
    }

    // The count, the page, the lines, the channels and the sellers.
    let page = Page {
        query: ORDERS,
        connection: "orders",
        variables: json!({}),
        token: &tenant.staff.access_token,
        most: 5.0,
    };
    assert_flat(&app, page).await;
}
