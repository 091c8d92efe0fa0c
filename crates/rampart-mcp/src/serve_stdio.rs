//! stdio towards one client: newline-delimited JSON-RPC on standard input and output.
//!
//! Requests are handled concurrently (at most [`MAX_IN_FLIGHT`] at once; reading pauses
//! beyond that) and their answers written whole, one per line, in completion order. An
//! over-long line or a malformed message gets its JSON-RPC error; the loop ends at end of
//! input after the requests in flight are answered.

use crate::error::McpError;
use crate::framing::{Frame, LineSplitter};
use crate::jsonrpc::{self, Message, RpcError};
use crate::proxy::{Caller, Proxy};
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc};

/// Requests handled at once.
pub const MAX_IN_FLIGHT: usize = 64;

/// Serve one client on `input`/`output` until `input` ends.
pub async fn serve_stdio<R, W>(
    proxy: Arc<Proxy>,
    mut input: R,
    mut output: W,
    max_message_bytes: usize,
) -> Result<(), McpError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Value>(MAX_IN_FLIGHT);
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            let mut line = serde_json::to_vec(&message).unwrap_or_default();
            line.push(b'\n');
            output.write_all(&line).await?;
            output.flush().await?;
        }
        Ok::<(), std::io::Error>(())
    });
    let caller = Arc::new(Caller::stdio());
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut splitter = LineSplitter::new(max_message_bytes);
    let mut buf = vec![0u8; 64 * 1024];
    let mut frames = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let n = input.read(&mut buf).await?;
        if n == 0 {
            splitter.finish(&mut frames);
        } else {
            splitter.push(&buf[..n], &mut frames);
        }
        for frame in frames.drain(..) {
            let message = match frame {
                Frame::TooLong => Err(jsonrpc::error_response(
                    None,
                    &RpcError::new(jsonrpc::INVALID_REQUEST, "message too large"),
                )),
                Frame::Message(bytes) => {
                    jsonrpc::parse(&bytes, max_message_bytes).map_err(|f| f.response())
                }
            };
            let message = match message {
                Ok(m) => m,
                Err(answer) => {
                    let _ = tx.send(answer).await;
                    continue;
                }
            };
            if !matches!(message, Message::Request { .. }) {
                let _ = proxy.handle(&caller, message).await;
                continue;
            }
            let permit = slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| McpError::Io(std::io::Error::other("closed")))?;
            let (proxy, caller, tx) = (proxy.clone(), caller.clone(), tx.clone());
            tasks.spawn(async move {
                if let Some(answer) = proxy.handle(&caller, message).await {
                    let _ = tx.send(answer).await;
                }
                drop(permit);
            });
            // Reap finished tasks so the set stays small.
            while tasks.try_join_next().is_some() {}
        }
        if n == 0 {
            break;
        }
    }
    while tasks.join_next().await.is_some() {}
    drop(tx);
    writer
        .await
        .map_err(|e| McpError::Io(std::io::Error::other(e)))??;
    Ok(())
}
