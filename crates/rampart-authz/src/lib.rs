//! Rampart's authorisation: Cedar policies decide who may do what, with data classes.
//!
//! Policies are files of a directory (`[authz] policy_dir`, every `*.cedar`), validated
//! against the committed schema `docs/authz.cedarschema` ([`SCHEMA`]) in strict mode, so a
//! policy that names an unknown entity type, action or attribute is refused before it can
//! decide anything. A [`PolicyEngine`] decides one [`Request`] at a time: Cedar's default
//! deny, `forbid` over `permit`, and, because an erroring policy would otherwise be
//! skipped (a `forbid` that errors would let the request through), any evaluation error
//! is a deny naming that policy.
//!
//! A [`Decision`] names its determining policies by their `@id("…")` annotation, else by
//! `file:line:column` of the policy's first character: that name is what the gateway's
//! 403 body, the audit record and the metrics carry.
//!
//! The `cedar-policy` crate is heavy to compile; only this crate depends on it. The
//! gateway knows an `Authorizer` seam; `rampart-server` implements it with this engine.
//!
//! - [`engine`]: loading, validation with file and line, reload that keeps the last good
//!   set, decisions.
//! - [`request`]: the request vocabulary (principal, action, resource, context) and
//!   [`data_classes`] (guard finding kinds → classes).
//! - [`fixtures`]: `rampart policy test FILE.toml`: request fixtures with expected
//!   decisions.

pub mod engine;
pub mod fixtures;
pub mod request;

pub use engine::{Decision, Effect, PolicyEngine, PolicyError, PolicyProblem};
pub use request::{
    Action, Context, PrincipalKind, Request, Resource, Subject, data_classes, weekday_hour,
};

/// The committed schema (`docs/authz.cedarschema`), one namespace: `Rampart`.
pub const SCHEMA: &str = include_str!("../../../docs/authz.cedarschema");

/// The namespace of every entity type and action of [`SCHEMA`].
pub const NAMESPACE: &str = "Rampart";
