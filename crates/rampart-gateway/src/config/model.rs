//! `[[models]]`: client-facing model names and the deployments that serve them.

use super::*;

/// `[[models]]`: a client-facing model name and where it is served.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Shorthand for a single deployment.
    #[schemars(with = "Option<String>")]
    pub provider: Option<Spanned<String>>,
    pub upstream_model: Option<String>,
    /// Several deployments, picked by weight, falling back in turn.
    #[serde(default)]
    #[schemars(with = "Vec<DeploymentConfig>")]
    pub deployments: Vec<Spanned<DeploymentConfig>>,
    /// Other names clients may use for this model: provider-prefixed names from a LiteLLM
    /// setup (`openai/gpt-4o-mini`), Azure deployment names. A request naming an alias is
    /// served, authorised, limited and audited as this model.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One place a model is served.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    #[schemars(with = "String")]
    pub provider: Spanned<String>,
    pub upstream_model: String,
    /// Relative share of traffic. Default 1.
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

impl ModelConfig {
    /// The deployments of this model, whichever way they were written.
    pub fn deployments(&self) -> Vec<DeploymentConfig> {
        if let Some(provider) = &self.provider {
            return vec![DeploymentConfig {
                provider: provider.clone(),
                upstream_model: self
                    .upstream_model
                    .clone()
                    .unwrap_or_else(|| self.name.get_ref().clone()),
                weight: 1,
            }];
        }
        self.deployments
            .iter()
            .map(|d| d.get_ref().clone())
            .collect()
    }
}
