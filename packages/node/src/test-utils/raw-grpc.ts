// A bare HTTP/2 gRPC client for tests that need to see the wire: when headers arrive, what the
// frames are, and how the node answers malformed bodies.
import http2 from "node:http2";

export function grpcFrame(message: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

export interface RawStream {
  /** Resolves with the response headers as soon as they arrive. */
  headers: Promise<http2.IncomingHttpHeaders>;
  /** Resolves with the next message frame's payload. */
  nextMessage(): Promise<Uint8Array>;
  /** Resolves with the trailers (or the trailers-only headers) when the call ends. */
  end: Promise<Record<string, string | string[] | undefined>>;
  close(): void;
}

/** Opens a call with a raw request body (framed or not, as the test wants). */
export function rawCall(
  baseUrl: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): RawStream {
  const session = http2.connect(baseUrl);
  session.on("error", () => {});
  const req = session.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
    ...headers,
  });
  req.on("error", () => {});
  let buffered = Buffer.alloc(0);
  const waiting: ((m: Uint8Array) => void)[] = [];
  const ready: Uint8Array[] = [];
  req.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 5) {
      const len = buffered.readUInt32BE(1);
      if (buffered.length < 5 + len) break;
      const msg = new Uint8Array(buffered.subarray(5, 5 + len));
      buffered = buffered.subarray(5 + len);
      const w = waiting.shift();
      if (w) w(msg);
      else ready.push(msg);
    }
  });
  const headersP = new Promise<http2.IncomingHttpHeaders>((resolve) =>
    req.once("response", resolve),
  );
  const end = new Promise<Record<string, string | string[] | undefined>>((resolve) => {
    let trailers: Record<string, string | string[] | undefined> | undefined;
    req.once("trailers", (t) => {
      trailers = t;
    });
    req.once("close", async () => {
      const h = await Promise.race([headersP, Promise.resolve(undefined)]);
      resolve(trailers ?? (h as Record<string, string> | undefined) ?? {});
      session.close();
    });
  });
  req.end(Buffer.from(body));
  return {
    headers: headersP,
    nextMessage: () =>
      new Promise((resolve) => {
        const m = ready.shift();
        if (m) resolve(m);
        else waiting.push(resolve);
      }),
    end,
    close: () => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      session.close();
    },
  };
}

/** Races `p` against a timeout; rejects with `what` when it is too slow. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ]);
}
