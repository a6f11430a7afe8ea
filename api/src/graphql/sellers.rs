use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject,
    connection::{Connection, CursorType},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::sellers;

use super::{
    app,
    enums::{SellerScale, SellerSector, SellerStatus},
    gql,
    guard::{ANY_USER, RoleGuard},
    onboarding::{self, Onboarding, OnboardingStage},
    payload::{UserError, into_payload},
    relay::{ConnectionTotals, connection, input_id, parse_id, to_id},
    user,
};
use crate::{
    error::{AppError, FieldErrorCode},
    service::{
        sellers::search::{self as seller_search, SellerCursor, SellerFilter as ServiceFilter},
        sellers::{self as service, NewSeller, SellerPatch},
    },
};

/// A micro, small or medium business (UMKM) that an aggregator brings online.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Seller {
    #[graphql(skip)]
    pub db_id: i64,
    pub business_name: String,
    pub owner_name: String,
    /// E.164, always `+62…`.
    pub phone: String,
    /// Nomor Induk Berusaha, 13 digits.
    pub nib: Option<String>,
    pub sector: SellerSector,
    pub scale: SellerScale,
    pub province: String,
    pub city: String,
    pub address: Option<String>,
    pub halal_cert_no: Option<String>,
    pub pirt_no: Option<String>,
    pub bpom_no: Option<String>,
    pub status: SellerStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[ComplexObject]
impl Seller {
    pub async fn id(&self) -> ID {
        to_id("Seller", self.db_id)
    }

    /// The seller's orders from every channel, newest first.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<super::orders::OrderFilter>,
    ) -> async_graphql::Result<super::relay::IdConnection<super::orders::Order>> {
        let mut filter = filter.unwrap_or_default().into_service()?;
        filter.seller_id = Some(self.db_id);
        super::orders::orders_page(ctx, first, after, filter).await
    }

    /// Progress through the four stages of going digital.
    async fn onboarding(&self, ctx: &Context<'_>) -> async_graphql::Result<Onboarding> {
        onboarding::load(ctx, self.db_id).await
    }
}

impl From<sellers::Model> for Seller {
    fn from(model: sellers::Model) -> Self {
        Self {
            db_id: model.id,
            business_name: model.business_name,
            owner_name: model.owner_name,
            phone: model.phone,
            nib: model.nib,
            sector: model.sector.into(),
            scale: model.scale.into(),
            province: model.province,
            city: model.city,
            address: model.address,
            halal_cert_no: model.halal_cert_no,
            pirt_no: model.pirt_no,
            bpom_no: model.bpom_no,
            status: model.status.into(),
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct OnboardSellerInput {
    pub business_name: String,
    pub owner_name: String,
    /// An Indonesian number in any common form (`0812-…`, `+62 812 …`); stored as `+62…`.
    pub phone: String,
    pub nib: Option<String>,
    pub sector: SellerSector,
    pub scale: SellerScale,
    pub province: String,
    /// City or regency (kota / kabupaten).
    pub city: String,
    pub address: Option<String>,
    pub halal_cert_no: Option<String>,
    pub pirt_no: Option<String>,
    pub bpom_no: Option<String>,
}

/// Narrows the seller list; every given field must match.
#[derive(InputObject, Default)]
pub struct SellerFilter {
    /// Part of the business name, owner name, phone or city, in any case.
    pub search: Option<String>,
    pub stage: Option<OnboardingStage>,
    pub sector: Option<SellerSector>,
    pub scale: Option<SellerScale>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub status: Option<SellerStatus>,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "crate::service::sellers::search::SellerSort")]
pub enum SellerSort {
    /// Most recently onboarded first.
    #[default]
    Newest,
    Oldest,
    NameAsc,
    NameDesc,
}

/// An opaque cursor holding the position in one ordering of the seller list.
pub struct SellerListCursor {
    sort: SellerSort,
    position: SellerCursor,
}

impl CursorType for SellerListCursor {
    type Error = AppError;

    fn decode_cursor(raw: &str) -> Result<Self, Self::Error> {
        let invalid =
            || AppError::invalid(&["after"], FieldErrorCode::Invalid, "is not a valid cursor");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let sort = match value["s"].as_str() {
            Some("NEWEST") => SellerSort::Newest,
            Some("OLDEST") => SellerSort::Oldest,
            Some("NAME_ASC") => SellerSort::NameAsc,
            Some("NAME_DESC") => SellerSort::NameDesc,
            _ => return Err(invalid()),
        };
        let id = value["i"]
            .as_i64()
            .filter(|id| *id > 0)
            .ok_or_else(invalid)?;
        let business_name = value["n"].as_str().ok_or_else(invalid)?.to_owned();
        Ok(Self {
            sort,
            position: SellerCursor { id, business_name },
        })
    }

    fn encode_cursor(&self) -> String {
        let sort = match self.sort {
            SellerSort::Newest => "NEWEST",
            SellerSort::Oldest => "OLDEST",
            SellerSort::NameAsc => "NAME_ASC",
            SellerSort::NameDesc => "NAME_DESC",
        };
        let value = serde_json::json!({ "s": sort, "i": self.position.id, "n": self.position.business_name });
        URL_SAFE_NO_PAD.encode(value.to_string())
    }
}

#[derive(InputObject)]
pub struct UpdateSellerInput {
    pub id: ID,
    pub business_name: Option<String>,
    pub owner_name: Option<String>,
    pub phone: Option<String>,
    /// `null` clears it.
    pub nib: MaybeUndefined<String>,
    pub sector: Option<SellerSector>,
    pub scale: Option<SellerScale>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: MaybeUndefined<String>,
    pub halal_cert_no: MaybeUndefined<String>,
    pub pirt_no: MaybeUndefined<String>,
    pub bpom_no: MaybeUndefined<String>,
}

fn patch(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

#[derive(InputObject)]
pub struct SellerStatusInput {
    pub id: ID,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

#[derive(SimpleObject)]
pub struct SellerPayload {
    pub seller: Option<Seller>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct SellerQuery;

#[Object]
impl SellerQuery {
    /// The sellers of the caller's aggregator (a SELLER sees only its own business).
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn sellers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<SellerFilter>,
        sort: Option<SellerSort>,
    ) -> async_graphql::Result<Connection<SellerListCursor, Seller, ConnectionTotals>> {
        let sort = sort.unwrap_or_default();
        let after = match after {
            None => None,
            Some(raw) => {
                let cursor = gql(SellerListCursor::decode_cursor(&raw))?;
                if cursor.sort != sort {
                    return Err(AppError::invalid(
                        &["after"],
                        FieldErrorCode::Invalid,
                        "belongs to another ordering of the list",
                    )
                    .into());
                }
                Some(cursor.position)
            }
        };
        let filter = filter.unwrap_or_default();
        let filter = ServiceFilter {
            search: filter.search,
            stage: filter.stage.map(Into::into),
            sector: filter.sector.map(Into::into),
            scale: filter.scale.map(Into::into),
            province: filter.province,
            city: filter.city,
            status: filter.status.map(Into::into),
        };
        let page = gql(seller_search::search(
            &app(ctx)?.db,
            user(ctx)?,
            &filter,
            sort.into(),
            first,
            after,
        )
        .await)?;
        Ok(connection(
            page,
            |model| SellerListCursor {
                sort,
                position: SellerCursor::of(model),
            },
            Seller::from,
        ))
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn seller(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Seller> {
        let id = gql(parse_id(&id, "Seller", "id"))?;
        Ok(gql(service::find(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }
}

#[derive(Default)]
pub struct SellerMutation;

fn seller_payload(
    result: Result<entity::sellers::Model, AppError>,
) -> async_graphql::Result<SellerPayload> {
    into_payload(result, |seller, user_errors| SellerPayload {
        seller: seller.map(Into::into),
        user_errors,
    })
}

#[Object]
impl SellerMutation {
    /// Registers a business with the caller's aggregator.
    async fn onboard_seller(
        &self,
        ctx: &Context<'_>,
        input: OnboardSellerInput,
    ) -> async_graphql::Result<SellerPayload> {
        let input = NewSeller {
            business_name: input.business_name,
            owner_name: input.owner_name,
            phone: input.phone,
            nib: input.nib,
            sector: input.sector.into(),
            scale: input.scale.into(),
            province: input.province,
            city: input.city,
            address: input.address,
            halal_cert_no: input.halal_cert_no,
            pirt_no: input.pirt_no,
            bpom_no: input.bpom_no,
        };
        seller_payload(service::onboard(&app(ctx)?.db, user(ctx)?, input).await)
    }

    /// Changes a seller's details; omitted fields stay as they are.
    async fn update_seller(
        &self,
        ctx: &Context<'_>,
        input: UpdateSellerInput,
    ) -> async_graphql::Result<SellerPayload> {
        let id = input_id(&input.id, "Seller", "id");
        let changes = SellerPatch {
            business_name: input.business_name,
            owner_name: input.owner_name,
            phone: input.phone,
            nib: patch(input.nib),
            sector: input.sector.map(Into::into),
            scale: input.scale.map(Into::into),
            province: input.province,
            city: input.city,
            address: patch(input.address),
            halal_cert_no: patch(input.halal_cert_no),
            pirt_no: patch(input.pirt_no),
            bpom_no: patch(input.bpom_no),
        };
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        seller_payload(async { service::update(db, caller, id?, changes).await }.await)
    }

    /// Takes a seller off the channels until it is reactivated.
    async fn suspend_seller(
        &self,
        ctx: &Context<'_>,
        input: SellerStatusInput,
    ) -> async_graphql::Result<SellerPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let status = entity::enums::SellerStatus::Suspended;
        let result = async {
            let id = input_id(&input.id, "Seller", "id")?;
            service::set_status(db, caller, id, status, input.reason).await
        };
        seller_payload(result.await)
    }

    async fn reactivate_seller(
        &self,
        ctx: &Context<'_>,
        input: SellerStatusInput,
    ) -> async_graphql::Result<SellerPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let status = entity::enums::SellerStatus::Active;
        let result = async {
            let id = input_id(&input.id, "Seller", "id")?;
            service::set_status(db, caller, id, status, input.reason).await
        };
        seller_payload(result.await)
    }
}
