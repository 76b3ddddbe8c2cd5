// Import (libxmtp 1.9.1 xmtp_mls device_sync archive.rs `insert`): the whole archive is read,
// decrypted and converted first, so a truncated, corrupt or wrongly keyed archive fails with an
// ArchiveError before anything is written; then everything is applied in one transaction.
//
// - consent: inserted when absent, replaced only by a strictly newer record;
// - group: a group we have keeps its row (only last_message_ns moves to the newer of the two);
//   one we do not have becomes a stub (membership Restored, no MLS state) that a real welcome
//   for the same id replaces;
// - group_message: inserted when its id is new (no expiry, not pushed, originator 10 if
//   missing); messages of a group that is neither local nor in the archive are skipped;
// - metadata after the first element, events and unknown records: ignored (counted in skipped).
import { toHex } from "@x/crypto";
import type { ClientDatabase, ConsentRecord, StoredGroup, StoredMessage } from "@x/db";
import { nowNs } from "../../context.js";
import { ClientError } from "../../errors.js";
import { archiveKey } from "./format.js";
import { consentFromSave, messageFromSave, stubFromSave } from "./mapping.js";
import { type ArchiveMetadata, metadataFromSave } from "./metadata.js";
import {
  type ArchiveSource,
  DEFAULT_MAX_ARCHIVE_BYTES,
  DEFAULT_MAX_ARCHIVE_ELEMENTS,
  readArchive,
} from "./reader.js";

export interface ImportArchiveOptions {
  /** Most decompressed bytes read (default 256 MiB); more: ARCHIVE_TOO_LARGE. */
  maxBytes?: number;
  /** Most elements read (default 2,000,000); more: ARCHIVE_TOO_LARGE. */
  maxElements?: number;
}

export interface ImportSummary {
  /** The archive's metadata (its first element). */
  metadata: ArchiveMetadata;
  /** Stubs created / groups we had already. */
  groups: { inserted: number; existing: number };
  /** Messages stored / messages whose id we had already. */
  messages: { inserted: number; existing: number };
  /** Consent records written (new, or newer than ours). */
  consent: { changed: number };
  /** Elements not applied: records libxmtp would refuse, events, extra metadata, unknown ones. */
  skipped: number;
}

interface Plan {
  metadata: ArchiveMetadata | undefined;
  groups: StoredGroup[];
  messages: StoredMessage[];
  consent: ConsentRecord[];
  skipped: number;
}

function positiveInt(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", `${name} must be a positive integer`);
  }
  return v;
}

export function readLimits(options: ImportArchiveOptions | undefined) {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", "the import options must be an object");
  }
  return {
    maxBytes: positiveInt("maxBytes", options?.maxBytes, DEFAULT_MAX_ARCHIVE_BYTES),
    maxElements: positiveInt("maxElements", options?.maxElements, DEFAULT_MAX_ARCHIVE_ELEMENTS),
  };
}

/** Imports an archive into `db` for the inbox `ownInboxId`; see the file comment. */
export async function importArchive(
  db: ClientDatabase,
  ownInboxId: string,
  source: ArchiveSource,
  key: Uint8Array,
  options?: ImportArchiveOptions,
): Promise<ImportSummary> {
  if (typeof ownInboxId !== "string" || ownInboxId.length === 0) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", "ownInboxId must be a non-empty inbox id");
  }
  const k = archiveKey(key);
  const limits = readLimits(options);
  const insertedAtNs = nowNs();
  const plan: Plan = { metadata: undefined, groups: [], messages: [], consent: [], skipped: 0 };

  const { version } = await readArchive(source, k, limits, (el, index) => {
    switch (el.element.case) {
      case "metadata":
        if (index === 0) plan.metadata = metadataFromSave(el.element.value, 0);
        else plan.skipped++;
        return;
      case "group": {
        const g = stubFromSave(el.element.value);
        if (g === undefined) plan.skipped++;
        else plan.groups.push(g);
        return;
      }
      case "groupMessage": {
        const m = messageFromSave(el.element.value, insertedAtNs);
        if (m === undefined) plan.skipped++;
        else plan.messages.push(m);
        return;
      }
      case "consent": {
        const c = consentFromSave(el.element.value);
        if (c === undefined) plan.skipped++;
        else plan.consent.push(c);
        return;
      }
      default:
        plan.skipped++; // events (never exported by 1.9.1) and records this build does not know
        return;
    }
  });
  // readArchive refuses an archive whose first element is not the metadata.
  const metadata = { ...(plan.metadata as ArchiveMetadata), version };

  return db.transaction(async (tx) => {
    const summary: ImportSummary = {
      metadata,
      groups: { inserted: 0, existing: 0 },
      messages: { inserted: 0, existing: 0 },
      consent: { changed: 0 },
      skipped: plan.skipped,
    };
    /** hex id -> the last_message_ns the group ends with (max of ours and the save's). */
    const lastMessage = new Map<string, { id: Uint8Array; ns: bigint | null }>();
    const known = new Map<string, boolean>();
    for (const stub of plan.groups) {
      const hex = toHex(stub.id);
      const existing = await tx.groups.get(stub.id);
      const ours = existing?.lastMessageNs ?? null;
      const saved = stub.lastMessageNs;
      const before = lastMessage.get(hex)?.ns ?? null;
      lastMessage.set(hex, { id: stub.id, ns: maxNs(maxNs(ours, saved), before) });
      if (existing === undefined) {
        await tx.groups.insert(stub);
        summary.groups.inserted++;
      } else {
        summary.groups.existing++;
      }
      known.set(hex, true);
    }
    for (const m of plan.messages) {
      const hex = toHex(m.groupId);
      let has = known.get(hex);
      if (has === undefined) {
        has = (await tx.groups.get(m.groupId)) !== undefined;
        known.set(hex, has);
      }
      if (!has) {
        // libxmtp's group_messages has a foreign key to groups: such a message fails there.
        summary.skipped++;
        continue;
      }
      if (await tx.messages.insertOrIgnore(m)) summary.messages.inserted++;
      else summary.messages.existing++;
    }
    // Inserting messages moved last_message_ns forward; libxmtp leaves it at the saved value
    // (or ours, if newer).
    for (const { id, ns } of lastMessage.values()) {
      if (ns !== null) await tx.groups.update(id, { lastMessageNs: ns });
    }
    if (plan.consent.length > 0) {
      summary.consent.changed = (await tx.consent.insertNewer(plan.consent)).length;
    }
    return summary;
  });
}

function maxNs(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
