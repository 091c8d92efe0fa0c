//! The methods the proxy knows, in each direction. Everything not listed here is refused
//! explicitly: a client request gets "method not found", a client notification is
//! dropped (stdio) or refused with 400 (HTTP), an upstream's request to the client
//! (sampling, elicitation, roots) gets an error back, and its notifications are read and
//! dropped. Adding a method means a variant here and its handling in [`crate::proxy`].

/// Requests a client may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientRequest {
    Initialize,
    Ping,
    ToolsList,
    ToolsCall,
}

impl ClientRequest {
    pub fn classify(method: &str) -> Option<ClientRequest> {
        Some(match method {
            "initialize" => ClientRequest::Initialize,
            "ping" => ClientRequest::Ping,
            "tools/list" => ClientRequest::ToolsList,
            "tools/call" => ClientRequest::ToolsCall,
            _ => return None,
        })
    }
}

/// Notifications a client may send; each is accepted and acted on (or knowingly ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientNotification {
    /// The end of the client's handshake.
    Initialized,
    /// The client gave up on a request. Accepted; the upstream call runs to its timeout
    /// (forwarding cancellation is future work).
    Cancelled,
    /// The client's roots changed; the proxy offers no roots to upstreams, so nothing to do.
    RootsListChanged,
}

impl ClientNotification {
    pub fn classify(method: &str) -> Option<ClientNotification> {
        Some(match method {
            "notifications/initialized" => ClientNotification::Initialized,
            "notifications/cancelled" => ClientNotification::Cancelled,
            "notifications/roots/list_changed" => ClientNotification::RootsListChanged,
            _ => return None,
        })
    }
}

/// Requests an upstream server may send to its client (the proxy). Only `ping` is
/// answered; sampling, elicitation and roots are refused (the proxy does not relay the
/// client's model or user to an upstream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamRequest {
    Ping,
    Refused,
}

impl UpstreamRequest {
    pub fn classify(method: &str) -> UpstreamRequest {
        match method {
            "ping" => UpstreamRequest::Ping,
            _ => UpstreamRequest::Refused,
        }
    }
}

/// MCP protocol revisions the proxy speaks with the initialize handshake, newest first.
pub const PROTOCOL_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// The revision to answer a client that asked for `requested`: the same when supported,
/// else the newest (the client then decides whether it can speak it).
pub fn negotiate(requested: Option<&str>) -> &'static str {
    requested
        .and_then(|r| PROTOCOL_VERSIONS.iter().find(|v| **v == r))
        .copied()
        .unwrap_or(PROTOCOL_VERSIONS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_are_not_classified() {
        assert_eq!(
            ClientRequest::classify("tools/call"),
            Some(ClientRequest::ToolsCall)
        );
        for m in [
            "resources/read",
            "sampling/createMessage",
            "tools/call ",
            "TOOLS/LIST",
        ] {
            assert_eq!(ClientRequest::classify(m), None, "{m}");
        }
        assert_eq!(ClientNotification::classify("notifications/progress"), None);
        assert_eq!(
            UpstreamRequest::classify("sampling/createMessage"),
            UpstreamRequest::Refused
        );
    }

    #[test]
    fn version_negotiation_echoes_known_versions_only() {
        assert_eq!(negotiate(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate(Some("1999-01-01")), "2025-11-25");
        assert_eq!(negotiate(None), "2025-11-25");
    }
}
