use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};

use super::{
    app,
    loaders::OnboardingStepsLoader,
    payload::{UserError, into_payload},
    relay::{input_id, to_id},
    user,
};
use crate::{domain, service::sellers::onboarding as service};

/// The four stages of going digital.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::OnboardingStage")]
pub enum OnboardingStage {
    /// Owner trained, business profile complete.
    Capacity,
    /// Product photos, packaging, logo, simple bookkeeping.
    BusinessProcess,
    /// Social media and marketplace accounts, first channel listing live.
    MarketAccess,
    /// Mentors other sellers or exports.
    LocalHero,
}

/// The checklist steps of the stages.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::OnboardingStep")]
pub enum OnboardingStep {
    OwnerTrained,
    BusinessProfileComplete,
    ProductPhotos,
    Packaging,
    Logo,
    Bookkeeping,
    SocialMediaAccount,
    MarketplaceAccount,
    FirstListingLive,
    MentorsOthers,
    Exports,
}

/// One checklist step of a seller.
#[derive(SimpleObject)]
pub struct OnboardingStepStatus {
    pub step: OnboardingStep,
    pub stage: OnboardingStage,
    /// What the step means, in Indonesian.
    pub title: String,
    pub completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<ID>,
    pub note: Option<String>,
}

/// A seller's progress; the stage is derived from the completed steps.
#[derive(SimpleObject)]
pub struct Onboarding {
    pub stage: OnboardingStage,
    /// All four stages are done.
    pub completed: bool,
    pub steps: Vec<OnboardingStepStatus>,
}

impl From<service::Onboarding> for Onboarding {
    fn from(onboarding: service::Onboarding) -> Self {
        let steps = domain::OnboardingStep::ALL
            .into_iter()
            .map(|step| {
                let done = onboarding.step(step);
                OnboardingStepStatus {
                    step: step.into(),
                    stage: step.stage().into(),
                    title: step.title().to_owned(),
                    completed: done.is_some(),
                    completed_at: done.map(|done| done.completed_at),
                    completed_by: done
                        .and_then(|done| done.completed_by_user_id)
                        .map(|id| to_id("User", id)),
                    note: done.and_then(|done| done.note.clone()),
                }
            })
            .collect();
        Self {
            stage: onboarding.stage.into(),
            completed: onboarding.completed,
            steps,
        }
    }
}

/// The onboarding of one seller, batched across a page of sellers.
pub async fn load(ctx: &Context<'_>, seller_id: i64) -> async_graphql::Result<Onboarding> {
    let steps = ctx
        .data::<DataLoader<OnboardingStepsLoader>>()?
        .load_one(seller_id)
        .await?
        .unwrap_or_default();
    Ok(service::Onboarding::from_steps(steps).into())
}

#[derive(InputObject)]
pub struct OnboardingStepInput {
    pub seller_id: ID,
    pub step: OnboardingStep,
    /// Why, for the audit log (at most 1000 characters).
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct OnboardingStepPayload {
    pub onboarding: Option<Onboarding>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct OnboardingMutation;

#[Object]
impl OnboardingMutation {
    /// Marks a checklist step done; the seller's stage follows from its steps.
    async fn complete_onboarding_step(
        &self,
        ctx: &Context<'_>,
        input: OnboardingStepInput,
    ) -> async_graphql::Result<OnboardingStepPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let seller_id = input_id(&input.seller_id, "Seller", "sellerId")?;
            service::complete_step(db, caller, seller_id, input.step.into(), input.note).await
        }
        .await;
        into_payload(result, |onboarding, user_errors| OnboardingStepPayload {
            onboarding: onboarding.map(Into::into),
            user_errors,
        })
    }

    /// Marks a completed step as not done again.
    async fn reopen_onboarding_step(
        &self,
        ctx: &Context<'_>,
        input: OnboardingStepInput,
    ) -> async_graphql::Result<OnboardingStepPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = async {
            let seller_id = input_id(&input.seller_id, "Seller", "sellerId")?;
            service::reopen_step(db, caller, seller_id, input.step.into(), input.note).await
        }
        .await;
        into_payload(result, |onboarding, user_errors| OnboardingStepPayload {
            onboarding: onboarding.map(Into::into),
            user_errors,
        })
    }
}
