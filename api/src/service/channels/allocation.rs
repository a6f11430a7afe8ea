//! How much of a variant's stock an aggregator offers on a channel, so the same unit is not
//! sold twice on two channels.

use entity::aggregator_channels;

/// How an aggregator offers its stock on a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockAllocation {
    /// All of it.
    All,
    /// This share, in percent, rounded down.
    Share(i32),
    /// All but this many units.
    Buffer(i32),
}

impl StockAllocation {
    pub fn of(link: Option<&aggregator_channels::Model>) -> Self {
        match link {
            Some(aggregator_channels::Model {
                stock_share_percent: Some(share),
                ..
            }) => Self::Share(*share),
            Some(aggregator_channels::Model {
                stock_buffer: Some(buffer),
                ..
            }) => Self::Buffer(*buffer),
            _ => Self::All,
        }
    }

    /// The units of `stock` offered on the channel.
    pub fn apply(self, stock: i32) -> i32 {
        let stock = stock.max(0);
        match self {
            Self::All => stock,
            Self::Share(percent) => (i64::from(stock) * i64::from(percent) / 100) as i32,
            Self::Buffer(buffer) => (stock - buffer).max(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_allocation_never_offers_more_than_there_is() {
        assert_eq!(StockAllocation::Share(50).apply(7), 3);
        assert_eq!(StockAllocation::Buffer(5).apply(3), 0);
        assert_eq!(StockAllocation::Buffer(2).apply(10), 8);
        assert_eq!(StockAllocation::All.apply(-1), 0);
    }
}
