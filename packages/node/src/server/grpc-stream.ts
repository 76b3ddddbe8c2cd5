// Server-streaming RPCs served without Connect, so response headers go out at once.
//
// libxmtp waits for the response headers before a Subscribe* call returns. Connect's handlers
// write headers only with the first response message, so a subscription with nothing to
// deliver would hang the client. Here the headers are flushed as soon as the request is
// accepted, then each message is written as a gRPC frame, then the status as trailers (gRPC over
// HTTP/2) or as a trailer frame (gRPC-web).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

export interface StreamMethod<I extends DescMessage, O extends DescMessage> {
  input: I;
  output: O;
  /**
   * Accepts (resolves) or refuses (rejects with a ConnectError) the request, then yields the
   * response messages. Ends when `signal` aborts (client gone or server shutting down).
   */
  open(request: MessageShape<I>, signal: AbortSignal): Promise<AsyncIterable<MessageShape<O>>>;
}

export interface StreamServeOptions {
  readMaxBytes: number;
  /** Aborted when the node shuts down: open streams end with Unavailable. */
  shutdownSignal: AbortSignal;
  /** Runs before the request is read (e.g. rate limiting); throw a ConnectError to refuse. */
  admit?: (req: Request) => void;
}

type Protocol = "grpc" | "grpc-web";

/** Which protocol a content type asks for, if it is one this handler serves (binary only). */
export function streamProtocol(contentType: string | undefined): Protocol | undefined {
  const ct = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (ct === "application/grpc" || ct === "application/grpc+proto") return "grpc";
  if (ct === "application/grpc-web" || ct === "application/grpc-web+proto") return "grpc-web";
  return undefined;
}

function frame(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

const encodeMessage = (m: string) => encodeURIComponent(m);

/** Reads the request body and returns the single message of a unary-request stream. */
async function readSingleMessage(req: Request, maxBytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Allow the 5-byte envelope prefix on top of the message limit.
    if (size > maxBytes + 5) {
      throw new ConnectError(
        `request message larger than ${maxBytes} bytes`,
        Code.ResourceExhausted,
      );
    }
    parts.push(chunk);
  }
  const body = Buffer.concat(parts);
  if (body.length < 5) {
    throw new ConnectError(
      "protocol error: missing or truncated request envelope",
      Code.InvalidArgument,
    );
  }
  const flags = body[0]!;
  const length = body.readUInt32BE(1);
  if (flags & 0x01) {
    throw new ConnectError(
      "received a compressed message, but no grpc-encoding was negotiated",
      Code.Internal,
    );
  }
  if (length > maxBytes) {
    throw new ConnectError(`request message larger than ${maxBytes} bytes`, Code.ResourceExhausted);
  }
  if (body.length !== 5 + length) {
    throw new ConnectError(
      `protocol error: envelope promised ${length} bytes, body holds ${body.length - 5}`,
      Code.InvalidArgument,
    );
  }
  return body.subarray(5);
}

function connectErrorOf(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  return new ConnectError(
    e instanceof Error ? e.message : String(e),
    Code.Internal,
    undefined,
    undefined,
    e,
  );
}

/** Serves one server-streaming call on `req`/`res`. */
export async function serveServerStream<I extends DescMessage, O extends DescMessage>(
  method: StreamMethod<I, O>,
  req: Request,
  res: Response,
  options: StreamServeOptions,
): Promise<void> {
  const protocol = streamProtocol(req.headers["content-type"]);
  if (req.method !== "POST" || protocol === undefined) {
    res.writeHead(415, { "content-type": "text/plain" });
    res.end("unsupported content type: this path speaks gRPC and gRPC-web (binary)\n");
    return;
  }
  const contentType = protocol === "grpc" ? "application/grpc+proto" : "application/grpc-web+proto";
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.shutdownSignal.addEventListener("abort", abort, { once: true });
  res.on("close", abort);
  let headersSent = false;

  const sendHeaders = (extra: Record<string, string> = {}) => {
    headersSent = true;
    res.writeHead(200, { "content-type": contentType, ...extra });
    if ("flushHeaders" in res && protocol === "grpc-web") res.flushHeaders();
  };

  const write = async (chunk: Buffer) => {
    if (res.destroyed || controller.signal.aborted) return;
    if ((res as ServerResponse).write(chunk)) return;
    // Wait for the client to read; a closed response never drains, so stop waiting then too.
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  };

  const finish = (error: ConnectError | undefined) => {
    if (res.destroyed || res.writableEnded) return;
    const status = {
      "grpc-status": String(error ? error.code : 0),
      ...(error ? { "grpc-message": encodeMessage(error.rawMessage) } : {}),
    };
    if (!headersSent) {
      // Trailers-only response: status in the headers, no body.
      sendHeaders(status);
      res.end();
      return;
    }
    if (protocol === "grpc") {
      (res as Http2ServerResponse).addTrailers(status);
      res.end();
    } else {
      const text = Object.entries(status)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      res.end(frame(0x80, new TextEncoder().encode(text)));
    }
  };

  try {
    const encoding = req.headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") {
      throw new ConnectError(`unsupported grpc-encoding ${String(encoding)}`, Code.Unimplemented);
    }
    options.admit?.(req);
    const body = await readSingleMessage(req, options.readMaxBytes);
    let input: MessageShape<I>;
    try {
      input = fromBinary(method.input, body);
    } catch (e) {
      // Internal, as Connect's handlers and grpc-go answer an undecodable request.
      throw new ConnectError(`parse binary: ${(e as Error).message}`, Code.Internal);
    }
    if (options.shutdownSignal.aborted) {
      throw new ConnectError("service is shutting down", Code.Unavailable);
    }
    const messages = await method.open(input, controller.signal);
    sendHeaders();
    for await (const message of messages) {
      if (controller.signal.aborted) break;
      await write(frame(0, toBinary(method.output, message)));
    }
    finish(
      options.shutdownSignal.aborted
        ? new ConnectError("service is shutting down", Code.Unavailable)
        : undefined,
    );
  } catch (e) {
    finish(
      options.shutdownSignal.aborted && !(e instanceof ConnectError)
        ? new ConnectError("service is shutting down", Code.Unavailable)
        : connectErrorOf(e),
    );
  } finally {
    options.shutdownSignal.removeEventListener("abort", abort);
    res.off("close", abort);
  }
}
