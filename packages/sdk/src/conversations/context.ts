// What the conversation objects share with their client.
import type { XmtpApi } from "@x/api";
import type { CodecRegistry } from "@x/content-types";
import type { ClientDatabase } from "@x/db";
import type { Client as MlsClient } from "@x/mls";
import type { SdkLog } from "../client/logger.js";
import type { DecodedMessage } from "../content/message.js";
import type { StreamHooks } from "./stream.js";

export interface SdkContext {
  mls: MlsClient;
  db: ClientDatabase;
  api: XmtpApi;
  log: SdkLog;
  codecs: CodecRegistry;
  streamHooks: StreamHooks;
  /** A stored message by hex id, as messages() shows it (not enriched). */
  getMessageById(id: string): Promise<DecodedMessage | undefined>;
  /** The inbox of each identifier on the network; CLIENT_INBOX_NOT_FOUND for one with none. */
  requireInboxIds(identifiers: unknown): Promise<string[]>;
}
