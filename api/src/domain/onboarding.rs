//! The four stages of going digital and their checklist steps.
//!
//! A seller's stage is derived from the steps it has completed (never stored): it is the
//! first stage whose checklist is not yet done, or `LocalHero` once the first three are.

/// The stages, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OnboardingStage {
    /// Owner trained, business profile complete.
    Capacity = 1,
    /// Product photos, packaging, logo, simple bookkeeping.
    BusinessProcess = 2,
    /// Social media and marketplace accounts, first channel listing live.
    MarketAccess = 3,
    /// Mentors other sellers or exports.
    LocalHero = 4,
}

/// The named checklist steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

impl OnboardingStage {
    pub const ALL: [Self; 4] = [
        Self::Capacity,
        Self::BusinessProcess,
        Self::MarketAccess,
        Self::LocalHero,
    ];

    pub fn number(self) -> i16 {
        self as i16
    }

    pub fn from_number(number: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.number() == number)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Capacity => "CAPACITY",
            Self::BusinessProcess => "BUSINESS_PROCESS",
            Self::MarketAccess => "MARKET_ACCESS",
            Self::LocalHero => "LOCAL_HERO",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.code() == code)
    }

    pub fn steps(self) -> impl Iterator<Item = OnboardingStep> {
        OnboardingStep::ALL
            .into_iter()
            .filter(move |step| step.stage() == self)
    }

    /// Completed steps needed to finish the stage: all of them, except that a local hero
    /// mentors others *or* exports.
    pub fn required_steps(self) -> usize {
        match self {
            Self::LocalHero => 1,
            other => other.steps().count(),
        }
    }

    /// The stage a seller is in, given how many steps it completed in each stage.
    pub fn derive(completed_per_stage: impl Fn(Self) -> usize) -> Self {
        [Self::Capacity, Self::BusinessProcess, Self::MarketAccess]
            .into_iter()
            .find(|stage| completed_per_stage(*stage) < stage.required_steps())
            .unwrap_or(Self::LocalHero)
    }
}

impl OnboardingStep {
    pub const ALL: [Self; 11] = [
        Self::OwnerTrained,
        Self::BusinessProfileComplete,
        Self::ProductPhotos,
        Self::Packaging,
        Self::Logo,
        Self::Bookkeeping,
        Self::SocialMediaAccount,
        Self::MarketplaceAccount,
        Self::FirstListingLive,
        Self::MentorsOthers,
        Self::Exports,
    ];

    pub fn stage(self) -> OnboardingStage {
        use OnboardingStage::*;
        match self {
            Self::OwnerTrained | Self::BusinessProfileComplete => Capacity,
            Self::ProductPhotos | Self::Packaging | Self::Logo | Self::Bookkeeping => {
                BusinessProcess
            }
            Self::SocialMediaAccount | Self::MarketplaceAccount | Self::FirstListingLive => {
                MarketAccess
            }
            Self::MentorsOthers | Self::Exports => LocalHero,
        }
    }

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::OwnerTrained => "OWNER_TRAINED",
            Self::BusinessProfileComplete => "BUSINESS_PROFILE_COMPLETE",
            Self::ProductPhotos => "PRODUCT_PHOTOS",
            Self::Packaging => "PACKAGING",
            Self::Logo => "LOGO",
            Self::Bookkeeping => "BOOKKEEPING",
            Self::SocialMediaAccount => "SOCIAL_MEDIA_ACCOUNT",
            Self::MarketplaceAccount => "MARKETPLACE_ACCOUNT",
            Self::FirstListingLive => "FIRST_LISTING_LIVE",
            Self::MentorsOthers => "MENTORS_OTHERS",
            Self::Exports => "EXPORTS",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.code() == code)
    }

    /// How the step reads on a dashboard (Indonesian).
    pub fn title(self) -> &'static str {
        match self {
            Self::OwnerTrained => "Pemilik sudah mengikuti pelatihan",
            Self::BusinessProfileComplete => "Profil usaha lengkap",
            Self::ProductPhotos => "Foto produk",
            Self::Packaging => "Kemasan",
            Self::Logo => "Logo usaha",
            Self::Bookkeeping => "Pembukuan sederhana",
            Self::SocialMediaAccount => "Akun media sosial",
            Self::MarketplaceAccount => "Akun marketplace",
            Self::FirstListingLive => "Listing pertama tayang",
            Self::MentorsOthers => "Membina pelaku usaha lain",
            Self::Exports => "Ekspor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_seller_is_building_capacity() {
        assert_eq!(OnboardingStage::derive(|_| 0), OnboardingStage::Capacity);
    }

    #[test]
    fn finishing_a_stage_moves_to_the_next() {
        let done = |stage: OnboardingStage| {
            if stage == OnboardingStage::Capacity {
                2
            } else {
                0
            }
        };
        assert_eq!(
            OnboardingStage::derive(done),
            OnboardingStage::BusinessProcess
        );
    }

    #[test]
    fn a_later_step_does_not_skip_an_unfinished_stage() {
        let done = |stage: OnboardingStage| {
            if stage == OnboardingStage::MarketAccess {
                3
            } else {
                0
            }
        };
        assert_eq!(OnboardingStage::derive(done), OnboardingStage::Capacity);
    }

    #[test]
    fn every_step_belongs_to_one_stage_and_codes_round_trip() {
        for step in OnboardingStep::ALL {
            assert_eq!(OnboardingStep::from_code(step.code()), Some(step));
        }
        let total: usize = OnboardingStage::ALL.iter().map(|s| s.steps().count()).sum();
        assert_eq!(total, OnboardingStep::ALL.len());
    }
}
