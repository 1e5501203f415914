//! Jurisdiction: which site a case may be handed to.
//!
//! Owns [`can_escalate`] (up the holder's own line only) and [`can_transfer`] (to any other
//! known site). Both depend on the compiled-in site registry alone, so the node's check before
//! it signs a hand-over and the fold's check when it applies one agree.

use crate::case::CaseError;
use crate::sites::Registry;

/// Jurisdiction of an escalation: the case goes up to an ancestor of its current holder
/// (commune → its province → central; Luật KN 2011 Art 33, Luật TC 2018 Arts 37–38; DOMAIN §7
/// "Escalation path"). A sibling, a descendant or another province's site is refused.
pub fn can_escalate(from: &str, to: &str) -> Result<(), CaseError> {
    let registry = Registry::official();
    registry.get(from)?;
    registry.get(to)?;
    if from == to {
        return Err(CaseError::SameSite(to.to_owned()));
    }
    if !registry.ancestors(from).contains(&to) {
        return Err(CaseError::NotAnAncestor {
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }
    Ok(())
}

/// Jurisdiction of a transfer (chuyển đơn): any known site other than the current holder; the
/// competent body may be anywhere, including another province.
pub fn can_transfer(from: &str, to: &str) -> Result<(), CaseError> {
    let registry = Registry::official();
    registry.get(from)?;
    registry.get(to)?;
    if from == to {
        return Err(CaseError::SameSite(to.to_owned()));
    }
    Ok(())
}
