//! Logins. A platform admin creates aggregator admins; an aggregator admin creates the staff
//! and seller logins of its own aggregator.

use chrono::Utc;
use entity::{enums::Role, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::json;

use super::{
    Page, PageRequest, Scope,
    audit::{self, AuditEntry},
    pagination::paginate,
};
use crate::{
    auth::{AuthUser, hash_password},
    domain::{Email, Password, Text, Validator},
    error::{AppError, AppResult, Constraint, FieldError, FieldErrorCode},
};

pub struct NewUser {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub aggregator_id: Option<i64>,
    pub seller_id: Option<i64>,
}

const EMAIL_KEY: Constraint = Constraint {
    name: "users_email_key",
    sqlite_columns: "users.email",
};

/// Which aggregator the new login belongs to, after checking the caller may create it.
fn target_aggregator(caller: &AuthUser, input: &NewUser) -> AppResult<Option<i64>> {
    match (caller.role, input.role) {
        (Role::PlatformAdmin, Role::PlatformAdmin) => {
            if input.aggregator_id.is_some() || input.seller_id.is_some() {
                return Err(AppError::invalid(
                    &["input", "aggregatorId"],
                    FieldErrorCode::Invalid,
                    "a platform admin belongs to no aggregator",
                ));
            }
            Ok(None)
        }
        (Role::PlatformAdmin, _) => input.aggregator_id.map(Some).ok_or_else(|| {
            AppError::invalid(
                &["input", "aggregatorId"],
                FieldErrorCode::Blank,
                "is required for this role",
            )
        }),
        (Role::AggregatorAdmin, Role::AggregatorStaff | Role::Seller) => {
            match (caller.aggregator_id, input.aggregator_id) {
                (Some(own), None) => Ok(Some(own)),
                (Some(own), Some(requested)) if own == requested => Ok(Some(own)),
                (Some(_), Some(_)) => Err(AppError::NotFound("aggregator")),
                (None, _) => Err(AppError::Forbidden),
            }
        }
        _ => Err(AppError::Forbidden),
    }
}

/// A login as it is stored: a checked e-mail, a hashed password and its place in the tenancy.
pub struct UserRow {
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
    pub aggregator_id: Option<i64>,
    pub seller_id: Option<i64>,
}

/// Stores a new, active login. Every path that creates one (the mutation, the bootstrap
/// admin, the demo data) goes through here.
pub async fn insert(db: &impl ConnectionTrait, row: UserRow) -> Result<users::Model, DbErr> {
    let now = Utc::now();
    users::ActiveModel {
        email: Set(row.email),
        password_hash: Set(row.password_hash),
        role: Set(row.role),
        display_name: Set(row.display_name),
        aggregator_id: Set(row.aggregator_id),
        seller_id: Set(row.seller_id),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

#[tracing::instrument(skip(db, input), fields(role = ?input.role))]
pub async fn create(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: NewUser,
) -> AppResult<users::Model> {
    let aggregator_id = target_aggregator(caller, &input)?;
    if let Some(aggregator_id) = aggregator_id {
        super::aggregators::find(db, caller, aggregator_id)
            .await
            .map_err(|_| {
                AppError::invalid(
                    &["input", "aggregatorId"],
                    FieldErrorCode::NotFound,
                    "no such aggregator",
                )
            })?;
    }
    let seller_id = seller_of_login(db, caller, &input, aggregator_id).await?;

    let mut v = Validator::new();
    let email = v.check(Email::parse(&["input", "email"], &input.email));
    let password = v.check(Password::parse(&["input", "password"], &input.password));
    let display_name = v.check(Text::parse(
        &["input", "displayName"],
        &input.display_name,
        200,
    ));
    v.finish()?;

    let email_taken = FieldError::new(
        &["input", "email"],
        FieldErrorCode::Taken,
        "is already taken",
    );
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(AppError::Conflict(email_taken));
    }
    let password_hash = hash_password(password.expose().to_owned()).await?;
    let txn = crate::db::begin_write(db).await?;
    let row = UserRow {
        email: email.into_inner(),
        password_hash,
        role: input.role,
        display_name: display_name.into_inner(),
        aggregator_id,
        seller_id,
    };
    let user = insert(&txn, row)
        .await
        .map_err(|err| AppError::from(err).on_constraint(&[(EMAIL_KEY, email_taken)]))?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id,
            action: "user.created",
            entity_type: "User",
            entity_id: user.id,
            changes: json!({ "email": user.email, "role": user.role }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// The seller a new login belongs to: required for a SELLER login (a seller of the login's
/// aggregator that the caller can see), refused for every other role.
async fn seller_of_login(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: &NewUser,
    aggregator_id: Option<i64>,
) -> AppResult<Option<i64>> {
    match input.role {
        Role::Seller => {
            let Some(seller_id) = input.seller_id else {
                return Err(AppError::invalid(
                    &["input", "sellerId"],
                    FieldErrorCode::Blank,
                    "is required for a SELLER login",
                ));
            };
            match super::sellers::find(db, caller, seller_id).await {
                Ok(seller) if Some(seller.aggregator_id) == aggregator_id => Ok(Some(seller.id)),
                _ => Err(AppError::invalid(
                    &["input", "sellerId"],
                    FieldErrorCode::NotFound,
                    "no such seller in this aggregator",
                )),
            }
        }
        _ if input.seller_id.is_some() => Err(AppError::invalid(
            &["input", "sellerId"],
            FieldErrorCode::Invalid,
            "only a SELLER login belongs to a seller",
        )),
        _ => Ok(None),
    }
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<users::Model> {
    Scope::users(caller)
        .filter(users::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    page: PageRequest,
) -> AppResult<Page<users::Model>> {
    caller.require_admin()?;
    paginate(
        db,
        Scope::users(caller),
        users::Column::Id,
        sea_orm::Order::Asc,
        page,
    )
    .await
}

/// Enables or disables a login; only admins, never their own account.
pub async fn set_active(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    active: bool,
) -> AppResult<users::Model> {
    caller.require_admin()?;
    let user = find(db, caller, id).await?;
    if user.id == caller.user_id {
        return Err(AppError::invalid(
            &["id"],
            FieldErrorCode::Invalid,
            "you cannot disable your own login",
        ));
    }
    if caller.role == Role::AggregatorAdmin && user.role == Role::AggregatorAdmin {
        return Err(AppError::Forbidden);
    }
    let txn = crate::db::begin_write(db).await?;
    let mut active_model: users::ActiveModel = user.into();
    active_model.is_active = Set(active);
    active_model.updated_at = Set(Utc::now());
    let user = active_model.update(&txn).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: user.aggregator_id,
            action: if active {
                "user.enabled"
            } else {
                "user.disabled"
            },
            entity_type: "User",
            entity_id: user.id,
            changes: json!({ "isActive": active }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
