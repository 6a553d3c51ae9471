//! The typed IR: what the user wrote, validated, faithful to its dialect.
//!
//! Quantities are exact integers (nanoseconds, basis points, bytes, millicores); every field
//! that can be wrong keeps its [`Span`](crate::source::Span). The simulator builds its own
//! runtime model from this; it is not the runtime model.

pub mod cloudify;
pub mod krakend;
pub mod rollout;
pub mod rollout_scenario;
pub mod scenario;
pub mod topology;
pub mod vamp;

use crate::source::Span;

/// A value with the span it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// Everything one `check` run read, across files and dialects.
#[derive(Debug, Default)]
pub struct Project {
    pub vamp: vamp::Artifacts,
    pub cloudify: Vec<cloudify::Blueprint>,
    pub krakend: Vec<krakend::Config>,
    pub scenarios: Vec<scenario::Scenario>,
    /// Argo Rollouts and Flagger objects.
    pub rollouts: rollout::Objects,
    /// Kubernetes-style objects no dialect reads (Services, Ingresses, Deployments, ...): not
    /// checked, kept so checks can resolve references to them.
    pub objects: Vec<ForeignObject>,
}

/// A Kubernetes-style object (`apiVersion` + `kind`) of a kind rehearse does not check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignObject {
    pub api_version: String,
    pub kind: String,
    /// `metadata.name`, when it is a scalar.
    pub name: Option<String>,
    /// `metadata.namespace`, when it is a scalar.
    pub namespace: Option<String>,
    /// The whole document.
    pub span: Span,
}
