// Starts the real local backend (target/debug/evolvy-server, built by `make test`) on a free
// port on 127.0.0.1 with a fresh data dir, and stops it. EVOLVY_SERVER overrides the binary.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { repoRoot, pkgDir, waitFor } from "./harness.mjs";

/** The demo agent's token (server default `AGENT_TOKEN`). */
export const AGENT_TOKEN = "demo-agent-token";

/**
 * One call to the backend's agent API (the platform's application API shape) at `baseUrl`:
 * the parsed JSON answer, or an Error `METHOD path: status body`.
 */
export async function agentApi(baseUrl, method, p, body) {
  const res = await fetch(`${baseUrl}/api/v1/accounts/1${p}`, {
    method,
    headers: { api_access_token: AGENT_TOKEN, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function freePort() {
  const server = net.createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

export async function startBackend({ dataDir, port, env = {} } = {}) {
  const bin = process.env.EVOLVY_SERVER || path.join(repoRoot, "target", "debug", "evolvy-server");
  if (!fs.existsSync(bin)) throw new Error(`no server binary at ${bin}: run \`cargo build -p evolvy-server\``);
  dataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "evolvy-e2e-"));
  port ??= await freePort();
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      WWW_DIR: path.join(repoRoot, "www"),
      PKG_DIR: pkgDir,
      RUST_LOG: process.env.E2E_DEBUG ? "info" : "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log}`);
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    }, 20_000, "the backend to answer /healthz");
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  return {
    url,
    port,
    dataDir,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([new Promise((ok) => child.once("exit", ok)), new Promise((ok) => setTimeout(ok, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
