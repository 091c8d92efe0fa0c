//! Every client surface and provider translation on any JSON: a request body is parsed by
//! the surface the first byte picks, mediated by the request table, and translated for
//! each provider; the same JSON read as a provider's answer is mediated by the answer
//! table, translated back and rendered for every surface. Errors are fine; panics are not,
//! and nothing the request table dropped may reappear in what a provider is sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_gateway::mediation::{self, Way, answer, request};
use rampart_gateway::surfaces::{self, Surface};
use rampart_gateway::translate;
use serde_json::Value;

const SURFACES: [Surface; 4] = [
    Surface::Chat,
    Surface::Completions,
    Surface::Responses,
    Surface::Messages,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let Ok(body) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let surface = SURFACES[usize::from(pick) % SURFACES.len()];

    // Request side.
    if let Ok(ingress) = surfaces::parse_chat(surface, body.clone()) {
        let mut canonical = ingress.canonical.clone();
        if mediation::mediate(&mut canonical, &request::CHAT, Way::Request).is_ok() {
            // A mediated request is a fixed point: mediating it again drops nothing.
            let mut again = canonical.clone();
            let second = mediation::mediate(&mut again, &request::CHAT, Way::Request)
                .expect("a mediated request stays valid");
            assert!(second.dropped.is_empty(), "dropped twice: {:?}", second.dropped);
            assert_eq!(again, canonical);
            let _ = translate::anthropic::request_from_canonical(&canonical);
            let _ = translate::bedrock::request_from_canonical(&canonical);
        }
        // Answer side, rendered for the surface that asked.
        let mut answer = body.clone();
        if mediation::mediate(&mut answer, &answer::CHAT, Way::Answer).is_ok() {
            let _ = surfaces::render_chat(surface, &answer, &ingress);
        }
    }
    let mut embeddings = body.clone();
    let _ = mediation::mediate(&mut embeddings, &request::EMBEDDINGS, Way::Request);
    let _ = surfaces::openai::parse_embeddings(&body);

    // Provider answers in their own shapes.
    let mut canonical = translate::anthropic::response_to_canonical(&body);
    let _ = mediation::mediate(&mut canonical, &answer::CHAT, Way::Answer);
    let mut canonical = translate::bedrock::response_to_canonical(&body, "m");
    let _ = mediation::mediate(&mut canonical, &answer::CHAT, Way::Answer);
    let mut chunk = body.clone();
    let _ = mediation::mediate(&mut chunk, &answer::CHUNK, Way::Answer);
    let mut s = translate::anthropic::EventsToChunks::default();
    let _ = s.push(&body);
});
