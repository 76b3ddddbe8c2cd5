// Stored rows to wire messages.
import { create } from "@bufbuild/protobuf";
import {
  type GroupMessage,
  GroupMessageSchema,
  type PagingInfo,
  PagingInfoSchema,
  SortDirection,
  type WelcomeMessage,
  WelcomeMessageSchema,
} from "@x/proto/mls/api/v1";
import type { Page, Paging, StoredGroupMessage, StoredWelcome } from "../store/store.js";

export const hex = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

export function groupMessage(m: StoredGroupMessage, includeContent = true): GroupMessage {
  return create(GroupMessageSchema, {
    version: {
      case: "v1",
      value: includeContent
        ? {
            id: m.id,
            createdNs: m.createdNs,
            groupId: m.groupId,
            data: m.data,
            senderHmac: m.senderHmac,
            shouldPush: m.shouldPush,
            isCommit: m.isCommit,
          }
        : { id: m.id, createdNs: m.createdNs, groupId: m.groupId, isCommit: m.isCommit },
    },
  });
}

export function welcomeMessage(w: StoredWelcome): WelcomeMessage {
  if (w.kind === "pointer") {
    return create(WelcomeMessageSchema, {
      version: {
        case: "welcomePointer",
        value: {
          id: w.id,
          createdNs: w.createdNs,
          installationKey: w.installationKey,
          welcomePointer: w.data,
          hpkePublicKey: w.hpkePublicKey,
          wrapperAlgorithm: w.wrapperAlgorithm,
        },
      },
    });
  }
  return create(WelcomeMessageSchema, {
    version: {
      case: "v1",
      value: {
        id: w.id,
        createdNs: w.createdNs,
        installationKey: w.installationKey,
        data: w.data,
        hpkePublicKey: w.hpkePublicKey,
        wrapperAlgorithm: w.wrapperAlgorithm,
        welcomeMetadata: w.welcomeMetadata,
      },
    },
  });
}

/** node-go's reading of PagingInfo: descending unless ASCENDING is asked for. */
export function paging(info: PagingInfo | undefined): Paging {
  return {
    direction: info?.direction === SortDirection.ASCENDING ? "asc" : "desc",
    limit: info?.limit,
    cursor: info?.idCursor ?? 0n,
  };
}

export function pagingInfo(page: Page<unknown>): PagingInfo {
  return create(PagingInfoSchema, {
    direction: page.direction === "asc" ? SortDirection.ASCENDING : SortDirection.DESCENDING,
    limit: page.limit,
    idCursor: page.nextCursor,
  });
}
