//! Orders from partner channels: received as signed events (`inbound`), checked as documents
//! (`document`), and kept true to one stock (`stock`).

pub mod document;
mod inbound;
mod stock;

pub use inbound::{Receipt, SignedRequest, forget_old_signatures, receive};
pub use stock::{OTHER_SELLER, OVERSOLD, UNKNOWN_SKU};
