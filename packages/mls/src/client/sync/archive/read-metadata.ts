// An archive's metadata without reading the rest (for a UI, or to check a key).
import { archiveKey } from "./format.js";
import { type ArchiveMetadata, metadataFromSave } from "./metadata.js";
import {
  type ArchiveSource,
  DEFAULT_MAX_ARCHIVE_BYTES,
  DEFAULT_MAX_ARCHIVE_ELEMENTS,
  readArchive,
  STOP,
} from "./reader.js";

/** Reads only the first element; the errors are the import's (ARCHIVE_BAD_KEY for a wrong key). */
export async function archiveMetadata(
  source: ArchiveSource,
  key: Uint8Array,
): Promise<ArchiveMetadata> {
  const k = archiveKey(key);
  let found: ArchiveMetadata | undefined;
  const { version } = await readArchive(
    source,
    k,
    { maxBytes: DEFAULT_MAX_ARCHIVE_BYTES, maxElements: DEFAULT_MAX_ARCHIVE_ELEMENTS },
    (el) => {
      if (el.element.case === "metadata") found = metadataFromSave(el.element.value, 0);
      return STOP;
    },
  );
  // readArchive refuses a first element that is not the metadata.
  return { ...(found as ArchiveMetadata), version };
}
