// The archive's first element (BackupMetadataSave) and the export options it records.
import { create } from "@x/proto";
import {
  BackupElementSelection,
  type BackupMetadataSave,
  BackupMetadataSaveSchema,
} from "@x/proto/device_sync";

/** What an archive can hold besides its metadata: groups and their messages, consent records. */
export type ArchiveElementName = "messages" | "consent";

export const ARCHIVE_ELEMENTS: readonly ArchiveElementName[] = ["messages", "consent"];

export interface ArchiveMetadata {
  /** The header's format version (libxmtp writes 0 and does not check it). */
  version: number;
  /** What the exporter was asked for (selections this build does not know are left out). */
  elements: ArchiveElementName[];
  exportedAtNs: bigint;
  startNs?: bigint;
  endNs?: bigint;
}

const SELECTION: Record<ArchiveElementName, BackupElementSelection> = {
  messages: BackupElementSelection.MESSAGES,
  consent: BackupElementSelection.CONSENT,
};

export function metadataToSave(
  elements: readonly ArchiveElementName[],
  exportedAtNs: bigint,
  startNs: bigint | undefined,
  endNs: bigint | undefined,
): BackupMetadataSave {
  return create(BackupMetadataSaveSchema, {
    elements: elements.map((e) => SELECTION[e]),
    exportedAtNs,
    ...(startNs === undefined ? {} : { startNs }),
    ...(endNs === undefined ? {} : { endNs }),
  });
}

export function metadataFromSave(s: BackupMetadataSave, version: number): ArchiveMetadata {
  const elements: ArchiveElementName[] = [];
  for (const e of s.elements) {
    const name =
      e === BackupElementSelection.MESSAGES
        ? "messages"
        : e === BackupElementSelection.CONSENT
          ? "consent"
          : undefined;
    if (name !== undefined && !elements.includes(name)) elements.push(name);
  }
  return {
    version,
    elements,
    exportedAtNs: s.exportedAtNs,
    ...(s.startNs === undefined ? {} : { startNs: s.startNs }),
    ...(s.endNs === undefined ? {} : { endNs: s.endNs }),
  };
}
