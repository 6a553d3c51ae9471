//! The code registry. One file per family; `rehearse explain CODE` looks codes up here.
//!
//! Families: `Y` syntax (YAML/JSON), `V` Vamp, `C` Cloudify, `K` KrakenD, `S` scenario,
//! `X` project-wide (kinds, cross-document references), `E` emit (what a target cannot
//! express), `R` Argo Rollouts, `F` Flagger.

use super::Code;

/// Declares a family's codes as statics plus the family's `ALL` list.
macro_rules! declare_codes {
    ($($(#[doc = $doc:literal])* $id:ident $name:literal;)*) => {
        $(
            $(#[doc = $doc])*
            pub static $id: $crate::diag::Code = $crate::diag::Code {
                id: stringify!($id),
                name: $name,
                explanation: concat!($($doc, "\n"),*),
            };
        )*
        pub static ALL: &[&$crate::diag::Code] = &[$(&$id),*];
    };
}

pub mod c;
pub mod e;
pub mod f;
pub mod k;
pub mod r;
pub mod s;
pub mod v;
pub mod x;
pub mod y;

/// Every registered code, in family order.
pub fn all() -> impl Iterator<Item = &'static Code> {
    [
        y::ALL,
        x::ALL,
        v::ALL,
        c::ALL,
        k::ALL,
        s::ALL,
        e::ALL,
        r::ALL,
        f::ALL,
    ]
    .into_iter()
    .flat_map(|family| family.iter().copied())
}

/// Looks a code up by id, case-insensitively (`v012` finds `V012`).
pub fn find(id: &str) -> Option<&'static Code> {
    all().find(|c| c.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for code in all() {
            assert!(seen.insert(code.id), "duplicate code {}", code.id);
            let (family, number) = code.id.split_at(1);
            assert!("YXVCKSERF".contains(family), "bad family in {}", code.id);
            assert!(
                number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
                "bad number in {}",
                code.id
            );
            assert!(
                !code.explanation.trim().is_empty(),
                "{} lacks an explanation",
                code.id
            );
            assert!(
                code.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{} name must be kebab-case",
                code.id
            );
        }
    }
}
