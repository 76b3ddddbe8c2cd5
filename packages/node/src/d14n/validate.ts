// What the d14n node checks in a ClientEnvelope before it sequences and stores it
// (reference/d14n.md §11, §13): one bad envelope on a topic breaks every libxmtp reader of it.
// These checks need no stored state; depends_on cursors and identity updates are checked
// against the store by the service.
import { toBinary } from "@bufbuild/protobuf";
import { bytesEqual, toHex } from "@x/crypto";
import type { IdentityUpdate } from "@x/proto/identity/associations";
import {
  WelcomePointerWrapperAlgorithm,
  WelcomeWrapperAlgorithm,
} from "@x/proto/mls/message_contents";
import { type ClientEnvelope, ClientEnvelopeSchema } from "@x/proto/xmtpv4/envelopes";
import { CONTENT_COMMIT, parseGroupMessage } from "../mls/group-message.js";
import { InvalidKeyPackageError, validateKeyPackage } from "../mls/key-package.js";
import {
  COMMIT_ORIGINATOR,
  D14N_NODE_ID,
  IDENTITY_ORIGINATOR,
  MAX_TOPIC_BYTES,
  MIN_TOPIC_BYTES,
  TopicKind,
} from "./envelopes.js";

/** Thrown for an envelope the node refuses; the service answers InvalidArgument with its index. */
export class InvalidEnvelopeError extends Error {
  readonly code = "node.invalid_d14n_envelope";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidEnvelopeError";
  }
}

export type PayloadKind =
  | "group_message"
  | "welcome_message"
  | "upload_key_package"
  | "identity_update";

const KIND_OF_PAYLOAD: Record<PayloadKind, number> = {
  group_message: TopicKind.GroupMessages,
  welcome_message: TopicKind.WelcomeMessages,
  identity_update: TopicKind.IdentityUpdates,
  upload_key_package: TopicKind.KeyPackages,
};

const TOPIC_NAMES: Record<number, string> = {
  [TopicKind.GroupMessages]: "group messages",
  [TopicKind.WelcomeMessages]: "welcome messages",
  [TopicKind.IdentityUpdates]: "identity updates",
  [TopicKind.KeyPackages]: "key packages",
};

export interface PreparedEnvelope {
  client: ClientEnvelope;
  /** The ClientEnvelope as the node serializes it into the PayerEnvelope. */
  clientBytes: Uint8Array;
  topic: Uint8Array;
  kind: PayloadKind;
  /** 0 for commits, 1 for identity updates, 100 for everything else. */
  originatorId: number;
  /** aad.depends_on (originator → sequence id). */
  dependsOn: Map<number, bigint>;
  /** For identity updates. */
  identityUpdate?: IdentityUpdate;
}

const invalid = (message: string) => new InvalidEnvelopeError(message);

/**
 * Checks one ClientEnvelope on its own: authenticated data, topic, the payload against the
 * topic, and `depends_on` originators. Throws InvalidEnvelopeError. `nowSeconds` is the clock
 * for key-package lifetimes.
 */
export function prepareEnvelope(client: ClientEnvelope, nowSeconds: bigint): PreparedEnvelope {
  const aad = client.aad;
  if (!aad) throw invalid("authenticated data is missing");
  const topic = aad.targetTopic;
  if (topic.length < MIN_TOPIC_BYTES || topic.length > MAX_TOPIC_BYTES) {
    throw invalid(
      `target topic is ${topic.length} bytes; a topic is ${MIN_TOPIC_BYTES}..${MAX_TOPIC_BYTES} bytes (kind ‖ identifier)`,
    );
  }
  const topicKind = topic[0]!;
  const id = topic.subarray(1);
  if (topicKind === TopicKind.PayerReports || topicKind === TopicKind.PayerReportAttestations) {
    throw invalid(`topic kind ${topicKind} is reserved for the nodes (payer reports)`);
  }
  if (TOPIC_NAMES[topicKind] === undefined) throw invalid(`unknown topic kind ${topicKind}`);

  const payload = client.payload;
  if (payload.case === undefined) throw invalid("client envelope has no payload");
  if (payload.case === "payerReport" || payload.case === "payerReportAttestation") {
    throw invalid("payer reports and attestations are node-only and cannot be published");
  }
  const kind: PayloadKind =
    payload.case === "groupMessage"
      ? "group_message"
      : payload.case === "welcomeMessage"
        ? "welcome_message"
        : payload.case === "uploadKeyPackage"
          ? "upload_key_package"
          : "identity_update";
  if (KIND_OF_PAYLOAD[kind] !== topicKind) {
    throw invalid(
      `topic does not match payload: the topic is of kind ${topicKind} (${TOPIC_NAMES[topicKind]}) but the payload is ${kind}`,
    );
  }

  const dependsOn = new Map<number, bigint>();
  for (const [key, seq] of Object.entries(aad.dependsOn?.nodeIdToSequenceId ?? {})) {
    const originator = Number(key);
    if (originator >= D14N_NODE_ID) {
      throw invalid(
        `depends_on originator ${originator}: a message can only depend on commits (originators below ${D14N_NODE_ID})`,
      );
    }
    dependsOn.set(originator, seq);
  }

  let originatorId = D14N_NODE_ID;
  let identityUpdate: IdentityUpdate | undefined;
  switch (payload.case) {
    case "groupMessage": {
      const v = payload.value.version;
      if (v.case !== "v1") throw invalid("group message has no v1 payload");
      if (v.value.data.length === 0) throw invalid("group message has no data");
      let info: ReturnType<typeof parseGroupMessage>;
      try {
        info = parseGroupMessage(v.value.data);
      } catch (e) {
        throw invalid(`invalid group message: ${(e as Error).message}`);
      }
      if (!bytesEqual(info.groupId, id)) {
        throw invalid(
          `the group id of the MLS message (${toHex(info.groupId)}) is not the topic's (${toHex(id)})`,
        );
      }
      if (info.contentType === CONTENT_COMMIT) originatorId = COMMIT_ORIGINATOR;
      break;
    }
    case "welcomeMessage": {
      const v = payload.value.version;
      if (v.case === "v1") {
        const w = v.value;
        checkInstallationKey(w.installationKey, id, "welcome");
        const algorithm = w.wrapperAlgorithm as number;
        if (
          algorithm !== WelcomeWrapperAlgorithm.CURVE25519 &&
          algorithm !== WelcomeWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6 &&
          algorithm !== WelcomeWrapperAlgorithm.SYMMETRIC_KEY
        ) {
          throw invalid(`welcome wrapper algorithm ${algorithm} is not 1, 2 or 3`);
        }
        if (w.data.length === 0) throw invalid("welcome has no data");
        if (w.hpkePublicKey.length === 0 && algorithm !== WelcomeWrapperAlgorithm.SYMMETRIC_KEY) {
          throw invalid("welcome has no HPKE public key");
        }
      } else if (v.case === "welcomePointer") {
        const p = v.value;
        checkInstallationKey(p.installationKey, id, "welcome pointer");
        if (
          (p.wrapperAlgorithm as number) !== WelcomePointerWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6
        ) {
          throw invalid(
            `welcome pointer wrapper algorithm ${p.wrapperAlgorithm} is not 2 (X-Wing)`,
          );
        }
        if (p.welcomePointer.length === 0) throw invalid("welcome pointer has no pointer");
        if (p.hpkePublicKey.length === 0) throw invalid("welcome pointer has no HPKE public key");
      } else {
        throw invalid("welcome has neither v1 nor welcome_pointer");
      }
      break;
    }
    case "uploadKeyPackage": {
      const bytes = payload.value.keyPackage?.keyPackageTlsSerialized;
      if (!bytes || bytes.length === 0) throw invalid("no key package");
      let installationKey: Uint8Array;
      try {
        installationKey = validateKeyPackage(bytes, nowSeconds).installationKey;
      } catch (e) {
        if (e instanceof InvalidKeyPackageError) {
          throw invalid(`invalid key package: ${e.message}`);
        }
        throw e;
      }
      if (!bytesEqual(installationKey, id)) {
        throw invalid(
          `the key package's signature key (${toHex(installationKey)}) is not the topic's (${toHex(id)})`,
        );
      }
      break;
    }
    case "identityUpdate": {
      const update = payload.value;
      if (!/^[0-9a-f]{64}$/.test(update.inboxId)) {
        throw invalid(
          `inbox id ${JSON.stringify(update.inboxId)} is not 64 lowercase hex characters`,
        );
      }
      if (toHex(id) !== update.inboxId) {
        throw invalid(
          `the identity update is for inbox ${update.inboxId} but the topic is ${toHex(id)}`,
        );
      }
      if (update.actions.length === 0) throw invalid("identity update has no actions");
      originatorId = IDENTITY_ORIGINATOR;
      identityUpdate = update;
      break;
    }
  }
  return {
    client,
    clientBytes: toBinary(ClientEnvelopeSchema, client),
    topic: topic.slice(),
    kind,
    originatorId,
    dependsOn,
    identityUpdate,
  };
}

function checkInstallationKey(key: Uint8Array, topicId: Uint8Array, what: string): void {
  if (key.length !== 32) {
    throw invalid(`${what} installation key is ${key.length} bytes, not 32`);
  }
  if (!bytesEqual(key, topicId)) {
    throw invalid(`${what} installation key ${toHex(key)} is not the topic's (${toHex(topicId)})`);
  }
}
