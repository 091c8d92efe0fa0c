// Starts the real `rampart` binary (RAMPART_BIN) on a free port with the offline mock
// provider and one key, as tests/e2e/conftest.py does for the Python clients.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const KEY = "rk-e2e-node";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export async function startGateway() {
  const bin = process.env.RAMPART_BIN;
  if (!bin) throw new Error("RAMPART_BIN is not set: run ./scripts/test");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rampart-node-"));
  const sha = createHash("sha256").update(KEY).digest("hex");
  const config = join(dir, "gateway.toml");
  writeFileSync(
    config,
    `[server]
listen = "127.0.0.1:${port}"

[[providers]]
name = "mock"
kind = "mock"

[[models]]
name = "mock"
provider = "mock"
upstream_model = "mock"

[[models]]
name = "mock-echo"
provider = "mock"
upstream_model = "echo"

[guard]
mode = "enforce"

[[auth.keys]]
id = "node"
tenant = "tests"
sha256 = "${sha}"
`,
  );
  const proc = spawn(bin, ["serve", "--config", config], { stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill();
      throw new Error("rampart serve did not start");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, stop: () => proc.kill("SIGTERM") };
}
