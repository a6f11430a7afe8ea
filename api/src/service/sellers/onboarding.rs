//! The onboarding pipeline: checklist steps per seller, and the stage derived from them.

use std::collections::HashMap;

use chrono::Utc;
use entity::seller_onboarding_steps as steps;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, OnConflict},
};
use serde_json::json;

use crate::service::audit::{self, AuditEntry};
use crate::{
    auth::AuthUser,
    domain::{OnboardingStage, OnboardingStep, optional_text},
    error::{AppError, AppResult, FieldError, FieldErrorCode},
};

/// A seller's progress: its derived stage and its completed steps.
#[derive(Clone, Debug)]
pub struct Onboarding {
    pub stage: OnboardingStage,
    /// All four stages' requirements are met.
    pub completed: bool,
    pub steps: Vec<steps::Model>,
}

impl Onboarding {
    pub fn from_steps(steps: Vec<steps::Model>) -> Self {
        let completed_in = |stage: OnboardingStage| {
            steps
                .iter()
                .filter(|step| step.stage == stage.number())
                .count()
        };
        let stage = OnboardingStage::derive(completed_in);
        let completed = stage == OnboardingStage::LocalHero
            && completed_in(OnboardingStage::LocalHero)
                >= OnboardingStage::LocalHero.required_steps();
        Self {
            stage,
            completed,
            steps,
        }
    }

    pub fn step(&self, step: OnboardingStep) -> Option<&steps::Model> {
        self.steps.iter().find(|stored| stored.step == step.code())
    }
}

/// SQL for a seller row's derived stage code, for filters and statistics. The same rule as
/// [`OnboardingStage::derive`], so the stage lives in one place: the completed steps.
pub fn stage_sql() -> String {
    let completed = |stage: OnboardingStage| {
        format!(
            "(SELECT COUNT(*) FROM seller_onboarding_steps WHERE seller_onboarding_steps.seller_id = sellers.id AND seller_onboarding_steps.stage = {})",
            stage.number()
        )
    };
    let mut sql = String::from("CASE");
    for stage in [
        OnboardingStage::Capacity,
        OnboardingStage::BusinessProcess,
        OnboardingStage::MarketAccess,
    ] {
        sql.push_str(&format!(
            " WHEN {} < {} THEN '{}'",
            completed(stage),
            stage.required_steps(),
            stage.code()
        ));
    }
    sql.push_str(&format!(
        " ELSE '{}' END",
        OnboardingStage::LocalHero.code()
    ));
    sql
}

/// The completed steps of each seller, in one query.
pub async fn steps_of(
    db: &impl ConnectionTrait,
    seller_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<steps::Model>>> {
    let mut by_seller: HashMap<i64, Vec<steps::Model>> = HashMap::new();
    let rows = steps::Entity::find()
        .filter(steps::Column::SellerId.is_in(seller_ids.iter().copied()))
        .order_by_asc(steps::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        by_seller.entry(row.seller_id).or_default().push(row);
    }
    Ok(by_seller)
}

pub async fn onboarding_of(db: &impl ConnectionTrait, seller_id: i64) -> AppResult<Onboarding> {
    let mut steps = steps_of(db, &[seller_id]).await?;
    Ok(Onboarding::from_steps(
        steps.remove(&seller_id).unwrap_or_default(),
    ))
}

/// Marks a step done for a seller of the caller's aggregator.
pub async fn complete_step(
    db: &DatabaseConnection,
    caller: &AuthUser,
    seller_id: i64,
    step: OnboardingStep,
    note: Option<String>,
) -> AppResult<Onboarding> {
    change_step(db, caller, seller_id, step, note, StepChange::Complete).await
}

/// Marks a completed step as not done again (e.g. the photos must be redone).
pub async fn reopen_step(
    db: &DatabaseConnection,
    caller: &AuthUser,
    seller_id: i64,
    step: OnboardingStep,
    note: Option<String>,
) -> AppResult<Onboarding> {
    change_step(db, caller, seller_id, step, note, StepChange::Reopen).await
}

#[derive(Clone, Copy, Debug)]
enum StepChange {
    Complete,
    Reopen,
}

#[tracing::instrument(skip(db, note))]
async fn change_step(
    db: &DatabaseConnection,
    caller: &AuthUser,
    seller_id: i64,
    step: OnboardingStep,
    note: Option<String>,
    change: StepChange,
) -> AppResult<Onboarding> {
    caller.team_aggregator()?;
    let note = optional_text(&["input", "note"], note.as_deref(), 1000)
        .map_err(|error| AppError::Invalid(vec![error]))?;
    let seller = super::find(db, caller, seller_id).await?;
    let txn = crate::db::begin_write(db).await?;
    let (changed, action, refusal) = match change {
        StepChange::Complete => {
            let inserted = steps::Entity::insert(steps::ActiveModel {
                aggregator_id: Set(seller.aggregator_id),
                seller_id: Set(seller.id),
                step: Set(step.code().to_owned()),
                stage: Set(step.stage().number()),
                note: Set(note.clone()),
                completed_at: Set(Utc::now()),
                completed_by_user_id: Set(Some(caller.user_id)),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([steps::Column::SellerId, steps::Column::Step])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            (
                inserted,
                "onboarding.step_completed",
                "is already completed",
            )
        }
        StepChange::Reopen => {
            let deleted = steps::Entity::delete_many()
                .filter(steps::Column::SellerId.eq(seller.id))
                .filter(steps::Column::Step.eq(step.code()))
                .exec(&txn)
                .await?;
            (
                deleted.rows_affected,
                "onboarding.step_reopened",
                "is not completed",
            )
        }
    };
    if changed == 0 {
        txn.rollback().await?;
        return Err(AppError::Conflict(FieldError::new(
            &["input", "step"],
            FieldErrorCode::Conflict,
            format!("{} {refusal}", step.code()),
        )));
    }
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(seller.aggregator_id),
            action,
            entity_type: "Seller",
            entity_id: seller.id,
            changes: json!({ "step": step.code(), "stage": step.stage().code(), "note": note }),
        },
    )
    .await?;
    txn.commit().await?;
    onboarding_of(db, seller.id).await
}

/// Filters a seller select to those in `stage`.
pub fn in_stage<Q: QueryFilter>(query: Q, stage: OnboardingStage) -> Q {
    query.filter(Expr::cust(format!(
        "({}) = '{}'",
        stage_sql(),
        stage.code()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_sql_follows_the_stage_rule() {
        let sql = stage_sql();
        assert!(sql.contains("stage = 1) < 2 THEN 'CAPACITY'"), "{sql}");
        assert!(
            sql.contains("stage = 2) < 4 THEN 'BUSINESS_PROCESS'"),
            "{sql}"
        );
        assert!(sql.ends_with("ELSE 'LOCAL_HERO' END"), "{sql}");
    }
}
