// The message-history server's two calls (xmtp-message-history-server, as libxmtp 1.9.1 uses
// it): POST {url}/upload with the archive as the body → the file id as text; GET {url}/files/{id}.
import { ClientError, errorText } from "../errors.js";

/** The history server's own upload limit; a download is never read past it. */
export const MAX_ARCHIVE_BYTES = 15_000_000;
const TIMEOUT_MS = 60_000;

function historyError(message: string, cause?: unknown, retryable = true): ClientError {
  return new ClientError("CLIENT_HISTORY_SERVER", message, {
    retryable,
    ...(cause === undefined ? {} : { cause }),
  });
}

async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw historyError(`the history server at ${url} did not answer: ${errorText(e)}`, e);
  }
}

/** Uploads an archive; returns where the other installation downloads it. */
export async function uploadArchive(historyUrl: string, archive: Uint8Array): Promise<string> {
  const base = historyUrl.replace(/\/+$/, "");
  const res = await call(`${base}/upload`, { method: "POST", body: archive });
  const text = (await res.text()).trim();
  if (!res.ok) {
    throw historyError(
      `the history server refused the upload (${res.status}): ${text.slice(0, 200)}`,
      undefined,
      res.status >= 500,
    );
  }
  if (!/^[0-9A-Za-z-]{1,100}$/.test(text)) {
    throw historyError(
      `the history server answered the upload with no file id: ${text.slice(0, 100)}`,
    );
  }
  return `${base}/files/${text}`;
}

/** Downloads an archive, reading at most MAX_ARCHIVE_BYTES. */
export async function downloadArchive(url: string): Promise<Uint8Array> {
  if (!/^https?:\/\//.test(url)) {
    throw historyError(
      `the archive URL ${JSON.stringify(url.slice(0, 100))} is not http(s)`,
      undefined,
      false,
    );
  }
  const res = await call(url, { method: "GET" });
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw historyError(
      `the history server answered ${res.status} for ${url}`,
      undefined,
      res.status >= 500,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ARCHIVE_BYTES) {
      await reader.cancel();
      throw historyError(
        `the archive at ${url} is larger than ${MAX_ARCHIVE_BYTES} bytes`,
        undefined,
        false,
      );
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
