// A static file server on 127.0.0.1 for test pages. By default it sends no COOP/COEP headers
// (as most hosts, IPFS gateways among them, do not); `isolated: true` adds them. Extra pages can
// be given inline, e.g. an iframe wrapper around the app.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export interface ServeOptions {
  /** The folder served at "/". */
  root: string;
  /** Pages served from memory, by path ("/frame.html"), before files. */
  pages?: Record<string, string>;
  /** Send Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy (cross-origin isolation). */
  isolated?: boolean;
  /** A fixed port (default: any free one). */
  port?: number;
}

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFiles(options: ServeOptions): Promise<StaticServer> {
  const root = path.resolve(options.root);
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(urlPath);
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (options.isolated) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
    }
    const inline = options.pages?.[urlPath];
    if (inline !== undefined) {
      res.writeHead(200, { ...headers, "content-type": TYPES[".html"] });
      res.end(inline);
      return;
    }
    const file = path.join(root, urlPath.endsWith("/") ? `${urlPath}index.html` : urlPath);
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const type = TYPES[path.extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { ...headers, "content-type": type });
      res.end(body);
    } catch {
      res.writeHead(404, headers).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
