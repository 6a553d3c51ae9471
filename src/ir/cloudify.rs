//! Cloudify IR: one checked blueprint (main file plus imports, merged as Cloudify merges them).
//!
//! Names are resolved to indices: a relationship's target, a group's members and a node's
//! container are [`NodeId`]s or [`GroupId`]s, so the simulator never looks names up. Values
//! the user wrote (property values, trigger parameters) stay spanned [`Node`] trees, since
//! they may hold intrinsic functions evaluated later.

use crate::source::Span;
use crate::syntax::{Mapping, Node};
use indexmap::IndexMap;

/// `cloudify_dsl_<major>_<minor>`; ordered as Cloudify compares versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DslVersion {
    pub major: u32,
    pub minor: u32,
}

impl DslVersion {
    pub const V1_0: DslVersion = DslVersion { major: 1, minor: 0 };
    pub const V1_1: DslVersion = DslVersion { major: 1, minor: 1 };
    pub const V1_2: DslVersion = DslVersion { major: 1, minor: 2 };
    pub const V1_3: DslVersion = DslVersion { major: 1, minor: 3 };
    pub const V1_4: DslVersion = DslVersion { major: 1, minor: 4 };
    pub const V1_5: DslVersion = DslVersion { major: 1, minor: 5 };
    pub const SUPPORTED: [DslVersion; 6] = [
        Self::V1_0,
        Self::V1_1,
        Self::V1_2,
        Self::V1_3,
        Self::V1_4,
        Self::V1_5,
    ];

    pub fn name(self) -> String {
        format!("cloudify_dsl_{}_{}", self.major, self.minor)
    }

    pub fn parse(text: &str) -> Option<DslVersion> {
        Self::SUPPORTED.into_iter().find(|v| v.name() == text)
    }
}

/// Index into [`Blueprint::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// Index into [`Blueprint::groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub usize);

#[derive(Clone, Debug)]
pub struct Blueprint {
    /// The main file's root.
    pub span: Span,
    pub version: DslVersion,
    pub description: Option<String>,
    pub inputs: IndexMap<String, Parameter>,
    pub plugins: IndexMap<String, Plugin>,
    pub node_types: IndexMap<String, NodeType>,
    pub relationship_types: IndexMap<String, RelationshipType>,
    pub nodes: Vec<NodeTemplate>,
    pub workflows: IndexMap<String, Workflow>,
    pub policy_types: IndexMap<String, PolicyType>,
    pub policy_triggers: IndexMap<String, PolicyTrigger>,
    pub groups: Vec<Group>,
    /// Top-level `policies` (cloudify.policies.scaling only).
    pub scaling_policies: Vec<ScalingPolicy>,
    pub outputs: IndexMap<String, Output>,
    /// The blueprint as one document, for `rehearse emit --target cloudify`; set by the check
    /// pipeline, which reads its files (`None` for a blueprint read from a tree alone).
    pub inlined: Option<Inlined>,
}

/// A blueprint's main file with its local imports merged in, by Cloudify's merge rules, and
/// the imports that stay imports (Cloudify's types.yaml URLs and plugins, as written). The
/// typed IR keeps what rehearse checks and simulates; a plan also holds what it drops (data
/// types, input constraints, capabilities, descriptions), so the emitter writes this tree.
#[derive(Clone, Debug)]
pub struct Inlined {
    /// The main file's name without its extension (`<stem>.yaml` is emitted).
    pub stem: String,
    /// Imports kept as imports, in the order Cloudify reads them, each once.
    pub imports: Vec<String>,
    /// The merged top-level mapping; its `imports` key is replaced by `imports` above.
    pub document: Mapping,
}

impl Blueprint {
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name).map(NodeId)
    }

    pub fn group(&self, name: &str) -> Option<GroupId> {
        self.groups.iter().position(|g| g.name == name).map(GroupId)
    }
}

/// An input, a workflow parameter, a property or trigger parameter declaration.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub span: Span,
    pub description: Option<String>,
    /// `string`, `integer`, `float`, `boolean` or a data type name.
    pub type_name: Option<String>,
    pub default: Option<Node>,
    /// A declaration without a default is mandatory unless `required: false`.
    pub required: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Executor {
    CentralDeploymentAgent,
    HostAgent,
    /// Chosen at run time: what dsl_parser 7.0.5 gives a script operation that names no
    /// executor (elements/operation.py), instead of the script plugin's own executor.
    Auto,
}

#[derive(Clone, Debug)]
pub struct Plugin {
    pub name: String,
    pub span: Span,
    pub executor: Option<Executor>,
    pub source: Option<String>,
    pub package_name: Option<String>,
    pub install: bool,
}

#[derive(Clone, Debug)]
pub struct NodeType {
    pub name: String,
    pub span: Span,
    pub derived_from: Option<String>,
    /// Own name last: `[cloudify.nodes.Root, ..., name]`.
    pub hierarchy: Vec<String>,
    /// Merged with the supertypes' schemas.
    pub properties: IndexMap<String, Parameter>,
    /// Merged interfaces: interface → operation → operation.
    pub interfaces: IndexMap<String, IndexMap<String, Operation>>,
}

#[derive(Clone, Debug)]
pub struct RelationshipType {
    pub name: String,
    pub span: Span,
    pub derived_from: Option<String>,
    pub hierarchy: Vec<String>,
    pub properties: IndexMap<String, Parameter>,
    pub source_interfaces: IndexMap<String, IndexMap<String, Operation>>,
    pub target_interfaces: IndexMap<String, IndexMap<String, Operation>>,
}

/// One operation; an empty implementation is a no-op.
#[derive(Clone, Debug)]
pub struct Operation {
    pub span: Span,
    pub implementation: String,
    /// The plugin the implementation resolved to (`script` for scripts).
    pub plugin: Option<String>,
    pub inputs: Option<Node>,
    pub executor: Option<Executor>,
    pub max_retries: Option<i64>,
    pub retry_interval: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct NodeTemplate {
    pub name: String,
    pub span: Span,
    pub type_name: String,
    pub hierarchy: Vec<String>,
    /// Type defaults merged with the template's values.
    pub properties: IndexMap<String, Node>,
    pub interfaces: IndexMap<String, IndexMap<String, Operation>>,
    pub relationships: Vec<RelationshipInstance>,
    /// The node this one is contained in (its `contained_in` relationship target).
    pub contained_in: Option<NodeId>,
    /// The compute node hosting this node (itself for a host).
    pub host: Option<NodeId>,
    /// Derived (transitively) from `cloudify.nodes.Compute`.
    pub is_host: bool,
    pub instances: Instances,
}

#[derive(Clone, Debug)]
pub struct RelationshipInstance {
    pub span: Span,
    pub type_name: String,
    pub hierarchy: Vec<String>,
    pub target: NodeId,
    pub properties: IndexMap<String, Node>,
    pub source_operations: IndexMap<String, IndexMap<String, Operation>>,
    pub target_operations: IndexMap<String, IndexMap<String, Operation>>,
}

impl RelationshipInstance {
    pub fn is_a(&self, type_name: &str) -> bool {
        self.hierarchy.iter().any(|t| t == type_name)
    }
}

/// An instance count: a number, or an intrinsic function evaluated at deployment.
#[derive(Clone, Debug, PartialEq)]
pub enum Count {
    Fixed(i64),
    Function(Node),
}

/// Instance counts; `max: None` is UNBOUNDED.
#[derive(Clone, Debug)]
pub struct Instances {
    pub span: Option<Span>,
    pub default: Count,
    pub min: Count,
    pub max: Option<Count>,
}

impl Default for Instances {
    fn default() -> Instances {
        Instances {
            span: None,
            default: Count::Fixed(1),
            min: Count::Fixed(0),
            max: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Workflow {
    pub name: String,
    pub span: Span,
    pub mapping: String,
    pub plugin: Option<String>,
    pub parameters: IndexMap<String, Parameter>,
}

#[derive(Clone, Debug)]
pub struct PolicyType {
    pub name: String,
    pub span: Span,
    pub properties: IndexMap<String, Parameter>,
    pub source: String,
}

#[derive(Clone, Debug)]
pub struct PolicyTrigger {
    pub name: String,
    pub span: Span,
    pub parameters: IndexMap<String, Parameter>,
    pub source: String,
}

/// A member of a group: a node template or another group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Member {
    Node(NodeId),
    Group(GroupId),
}

#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub span: Span,
    /// In the order written, duplicates removed.
    pub members: Vec<(Member, Span)>,
    pub policies: Vec<GroupPolicy>,
}

/// The built-in monitoring policy kinds (reference/cloudify/POLICIES.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    HostFailure,
    Threshold,
    EwmaStabilized,
    /// A policy type defined by the blueprint; its Riemann source is opaque.
    Custom,
}

impl PolicyKind {
    pub fn of(type_name: &str) -> PolicyKind {
        match type_name {
            "cloudify.policies.types.host_failure" => PolicyKind::HostFailure,
            "cloudify.policies.types.threshold" => PolicyKind::Threshold,
            "cloudify.policies.types.ewma_stabilized" => PolicyKind::EwmaStabilized,
            _ => PolicyKind::Custom,
        }
    }
}

#[derive(Clone, Debug)]
pub struct GroupPolicy {
    pub name: String,
    pub span: Span,
    pub type_name: String,
    pub kind: PolicyKind,
    /// Type defaults merged with the policy's values.
    pub properties: IndexMap<String, Node>,
    pub triggers: Vec<Trigger>,
}

#[derive(Clone, Debug)]
pub struct Trigger {
    pub name: String,
    pub span: Span,
    pub type_name: String,
    /// Trigger defaults merged with the trigger's values (`get_property: [SELF, field]`
    /// entries are event fields, evaluated at runtime).
    pub parameters: IndexMap<String, Node>,
}

#[derive(Clone, Debug)]
pub struct ScalingPolicy {
    pub name: String,
    pub span: Span,
    pub targets: Vec<(GroupId, Span)>,
    pub instances: Instances,
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub description: Option<String>,
    pub value: Node,
}
