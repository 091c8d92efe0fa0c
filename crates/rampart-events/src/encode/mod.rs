//! Wire formats: one file per format ([`ocsf`], [`cef`], [`ecs`]) and the [`Format`] a
//! sink names with `format = "..."`.

pub mod cef;
pub mod ecs;
pub mod ocsf;

use crate::event::Event;
use serde::{Deserialize, Serialize};

/// How a sink writes an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// OCSF 1.8.0 JSON.
    #[default]
    Ocsf,
    /// ArcSight CEF.
    Cef,
    /// Elastic Common Schema JSON.
    Ecs,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ocsf => "ocsf",
            Format::Cef => "cef",
            Format::Ecs => "ecs",
        }
    }

    /// One event in this format, without a line end.
    pub fn encode(self, event: &Event) -> Vec<u8> {
        match self {
            Format::Ocsf => ocsf::encode(event),
            Format::Cef => cef::encode(event),
            Format::Ecs => ecs::encode(event),
        }
    }

    /// Whether the encoding is a JSON object (webhooks and HEC need one).
    pub fn is_json(self) -> bool {
        !matches!(self, Format::Cef)
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ocsf" => Ok(Format::Ocsf),
            "cef" => Ok(Format::Cef),
            "ecs" => Ok(Format::Ecs),
            other => Err(format!(
                "unknown format `{other}`: expected ocsf, cef or ecs"
            )),
        }
    }
}
