// Export (libxmtp 1.9.1 xmtp_archive export_stream): the metadata, then, if messages are
// selected, every group (paged by id; not Sync/Oneshot; created within the range; only groups
// whose MLS state loads) and every application message (paged by id; not in Sync/Oneshot
// groups; sent within the range; unexpired; none with an expiry if asked), then, if consent is
// selected, every consent record in (entity type, entity) order. Each element is encrypted with
// the next nonce and framed; the frame stream goes into one zstd frame of raw blocks.
import { aes256GcmEncrypt, randomBytes } from "@x/crypto";
import { type ClientDatabase, type ConsentEntityType, ConversationType, MessageKind } from "@x/db";
import { create, toBinary } from "@x/proto";
import { type BackupElement, BackupElementSchema } from "@x/proto/device_sync";
import { deserializeGroupState, readGroupExtensions } from "../../../engine/index.js";
import { nowNs } from "../../context.js";
import { ClientError } from "../../errors.js";
import {
  ARCHIVE_NONCE_SIZE,
  ARCHIVE_VERSION,
  archiveHeader,
  archiveKey,
  frameElement,
  nextNonce,
} from "./format.js";
import { consentToSave, groupToSave, messageToSave } from "./mapping.js";
import { ARCHIVE_ELEMENTS, type ArchiveElementName, metadataToSave } from "./metadata.js";
import { ZstdRawFrameWriter } from "./zstd-frame.js";

/** libxmtp's page size for every record kind. */
export const ARCHIVE_PAGE_SIZE = 100;

/** Virtual conversation types: never archived. */
const VIRTUAL = [ConversationType.Sync, ConversationType.Oneshot];

export interface ArchiveOptions {
  /** What to put in (default both). An empty list gives an archive of only its metadata. */
  elements?: readonly ArchiveElementName[];
  /** Only what was sent (messages) or created (groups) after this time, ns (exclusive). */
  startNs?: bigint;
  /** Only what was sent or created before this time, ns (exclusive). */
  endNs?: bigint;
  /** Leave out every message with an expiry (disappearing messages). */
  excludeDisappearingMessages?: boolean;
}

interface CheckedOptions {
  elements: ArchiveElementName[];
  startNs: bigint | undefined;
  endNs: bigint | undefined;
  excludeDisappearingMessages: boolean;
}

export function checkArchiveOptions(options: ArchiveOptions | undefined): CheckedOptions {
  const o = options ?? {};
  if (typeof o !== "object" || o === null) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", "the archive options must be an object");
  }
  const elements: ArchiveElementName[] = [];
  if (o.elements === undefined) elements.push(...ARCHIVE_ELEMENTS);
  else {
    if (!Array.isArray(o.elements)) {
      throw new ClientError(
        "CLIENT_INVALID_ARGUMENT",
        'elements must be an array of "messages" | "consent"',
      );
    }
    for (const e of o.elements) {
      if (!ARCHIVE_ELEMENTS.includes(e)) {
        throw new ClientError(
          "CLIENT_INVALID_ARGUMENT",
          `elements may hold "messages" and "consent", got ${JSON.stringify(e)}`,
        );
      }
      if (!elements.includes(e)) elements.push(e);
    }
  }
  for (const name of ["startNs", "endNs"] as const) {
    if (o[name] !== undefined && typeof o[name] !== "bigint") {
      throw new ClientError("CLIENT_INVALID_ARGUMENT", `${name} must be a bigint (ns)`);
    }
  }
  if (
    o.excludeDisappearingMessages !== undefined &&
    typeof o.excludeDisappearingMessages !== "boolean"
  ) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      "excludeDisappearingMessages must be a boolean",
    );
  }
  return {
    elements,
    startNs: o.startNs,
    endNs: o.endNs,
    excludeDisappearingMessages: o.excludeDisappearingMessages ?? false,
  };
}

/**
 * Streams an archive of `db` in libxmtp 1.9.1's format, encrypted with `key` (32 bytes; longer
 * keys are cut to 32). Options and key are checked at once; the database is read as the bytes
 * are consumed.
 */
export function exportArchive(
  db: ClientDatabase,
  options: ArchiveOptions | undefined,
  key: Uint8Array,
): AsyncIterable<Uint8Array> {
  const k = archiveKey(key);
  const o = checkArchiveOptions(options);
  return run(db, o, k);
}

async function* run(
  db: ClientDatabase,
  o: CheckedOptions,
  key: Uint8Array,
): AsyncGenerator<Uint8Array> {
  let nonce = randomBytes(ARCHIVE_NONCE_SIZE);
  const zstd = new ZstdRawFrameWriter();
  yield archiveHeader(ARCHIVE_VERSION, nonce);

  const seal = (element: BackupElement["element"]): Uint8Array[] => {
    const plaintext = toBinary(BackupElementSchema, create(BackupElementSchema, { element }));
    const sealed = aes256GcmEncrypt(key, nonce, plaintext);
    nonce = nextNonce(nonce);
    return zstd.write(frameElement(sealed));
  };

  yield* seal({
    case: "metadata",
    value: metadataToSave(o.elements, nowNs(), o.startNs, o.endNs),
  });
  // The metadata in a block of its own: archiveMetadata reads a hundred bytes, not 128 KiB.
  yield* zstd.flush();

  if (o.elements.includes("messages")) {
    let afterId: Uint8Array | undefined;
    for (;;) {
      const page = await db.groups.listPage({
        ...(afterId === undefined ? {} : { afterId }),
        limit: ARCHIVE_PAGE_SIZE,
        ...(o.startNs === undefined ? {} : { createdAfterNs: o.startNs }),
        ...(o.endNs === undefined ? {} : { createdBeforeNs: o.endNs }),
        excludeConversationTypes: VIRTUAL,
      });
      for (const g of page) {
        const ext = await extensionsOf(db, g.id);
        if (ext !== undefined) yield* seal({ case: "group", value: groupToSave(g, ext) });
      }
      if (page.length < ARCHIVE_PAGE_SIZE) break;
      afterId = page.at(-1)?.id;
    }

    const unexpiredAt = nowNs();
    afterId = undefined;
    for (;;) {
      const page = await db.messages.listForArchive({
        ...(afterId === undefined ? {} : { afterId }),
        limit: ARCHIVE_PAGE_SIZE,
        ...(o.startNs === undefined ? {} : { sentAfterNs: o.startNs }),
        ...(o.endNs === undefined ? {} : { sentBeforeNs: o.endNs }),
        kinds: [MessageKind.Application],
        unexpiredAt,
        excludeExpiring: o.excludeDisappearingMessages,
        excludeGroupTypes: VIRTUAL,
      });
      for (const m of page) yield* seal({ case: "groupMessage", value: messageToSave(m) });
      if (page.length < ARCHIVE_PAGE_SIZE) break;
      afterId = page.at(-1)?.id;
    }
  }

  if (o.elements.includes("consent")) {
    let after: { entityType: ConsentEntityType; entity: string } | undefined;
    for (;;) {
      const page = await db.consent.listPage({
        ...(after === undefined ? {} : { after }),
        limit: ARCHIVE_PAGE_SIZE,
      });
      for (const r of page) yield* seal({ case: "consent", value: consentToSave(r) });
      if (page.length < ARCHIVE_PAGE_SIZE) break;
      const last = page.at(-1);
      after = last && { entityType: last.entityType, entity: last.entity };
    }
  }

  yield* zstd.end();
}

/** The group's XMTP extensions from its stored MLS state; undefined when it cannot be loaded. */
async function extensionsOf(db: ClientDatabase, groupId: Uint8Array) {
  try {
    const row = await db.mls.getGroupState(groupId);
    if (row === undefined) return undefined;
    return readGroupExtensions(deserializeGroupState(row.state).groupContext.extensions);
  } catch {
    return undefined; // libxmtp skips groups whose MLS group does not load
  }
}

/** The whole archive in memory (fine for the sizes device sync uploads). */
export async function exportArchiveBytes(
  db: ClientDatabase,
  options: ArchiveOptions | undefined,
  key: Uint8Array,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const p of exportArchive(db, options, key)) {
    parts.push(p);
    length += p.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
