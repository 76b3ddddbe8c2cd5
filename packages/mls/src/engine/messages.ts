// Application messages out, and every group message in (application, commit, proposal), with
// typed results and typed errors. Incoming processing never changes the given state: the result
// carries the new state, which the caller adopts (after its own validation, for commits).
import {
  type ClientState,
  createApplicationMessage,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  type IncomingMessageCallback,
  type MLSMessage,
  type Proposal,
  type ProposalWithSender,
  processMessage as tsProcessMessage,
} from "ts-mls";
import { decryptSenderData } from "ts-mls/privateMessage.js";
import { xmtpCiphersuite } from "./ciphersuite.js";
import { type CommitDiff, diffGroupStates } from "./diff.js";
import {
  ExtensionError,
  errorMessage,
  GroupOperationError,
  MessageProcessingError,
} from "./errors.js";
import {
  calculateMessageId,
  type DecodedEnvelope,
  decodePlaintextEnvelope,
  encodePlaintextEnvelope,
  newIdempotencyKey,
} from "./framing.js";
import { type GroupMember, memberAt } from "./members.js";
import { bytesEqual, toHex } from "./tls.js";

export interface OutgoingMessage {
  /** The state after sending (its sender ratchet advanced); adopt it. */
  newState: ClientState;
  /** TLS MLSMessage (PrivateMessage) for SendGroupMessages (should_push per content type). */
  message: Uint8Array;
  /** libxmtp's message id of what was sent. */
  messageId: Uint8Array;
  idempotencyKey: string;
  epoch: bigint;
}

/**
 * Encrypts one application message: `content` is a serialized EncodedContent, framed in a
 * PlaintextEnvelope V1 with `idempotencyKey` (the send time in ns by default).
 */
export async function encryptApplicationMessage(
  state: ClientState,
  content: Uint8Array,
  options: { idempotencyKey?: string } = {},
): Promise<OutgoingMessage> {
  if (state.groupActiveState.kind !== "active") {
    throw new GroupOperationError(
      "MLS_GROUP_INACTIVE",
      `the group is not active (${state.groupActiveState.kind}); it cannot send`,
    );
  }
  const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
  const plaintext = encodePlaintextEnvelope({ content, idempotencyKey });
  const cs = await xmtpCiphersuite();
  let result: Awaited<ReturnType<typeof createApplicationMessage>>;
  try {
    result = await createApplicationMessage(state, plaintext, cs);
  } catch (e) {
    throw new GroupOperationError(
      "MLS_OPERATION_FAILED",
      `encrypting the message failed: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
  return {
    newState: result.newState,
    message: encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_private_message",
      privateMessage: result.privateMessage,
    }),
    messageId: calculateMessageId(state.groupContext.groupId, content, idempotencyKey),
    idempotencyKey,
    epoch: state.groupContext.epoch,
  };
}

export interface ProcessedApplicationMessage {
  kind: "application";
  newState: ClientState;
  epoch: bigint;
  sender: GroupMember;
  /** The decrypted MLS application data (the PlaintextEnvelope bytes). */
  plaintext: Uint8Array;
  /** The decoded envelope, or undefined when it does not decode (see `envelopeError`). */
  envelope: DecodedEnvelope | undefined;
  envelopeError?: ExtensionError;
  /** libxmtp's message id, for V1 envelopes. */
  messageId?: Uint8Array;
}

export interface ProcessedCommit {
  kind: "commit";
  /** The state after the commit. Adopt it only if XMTP's validation of `diff` passes. */
  newState: ClientState;
  previousState: ClientState;
  diff: CommitDiff;
}

export interface ProcessedProposal {
  kind: "proposal";
  newState: ClientState;
  sender: GroupMember | undefined;
  proposal: Proposal;
}

export type ProcessedMessage = ProcessedApplicationMessage | ProcessedCommit | ProcessedProposal;

function reject(
  code: ConstructorParameters<typeof MessageProcessingError>[0],
  message: string,
  cause?: unknown,
  retryable = false,
) {
  return new MessageProcessingError(code, message, {
    retryable,
    ...(cause === undefined ? {} : { cause }),
  });
}

function decodeGroupMessage(bytes: Uint8Array): MLSMessage {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw reject(
      "MLS_MESSAGE_MALFORMED",
      `the group message is not an MLSMessage: ${errorMessage(e)}`,
      e,
    );
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw reject("MLS_MESSAGE_MALFORMED", "the group message is not exactly one MLSMessage");
  }
  return decoded[0];
}

/**
 * Processes one message from the group's topic. Throws MessageProcessingError when the message
 * cannot be applied (the given state stays valid): MLS_MESSAGE_MALFORMED, MLS_WRONG_GROUP,
 * MLS_GROUP_INACTIVE (we were removed),
 * MLS_EPOCH_IN_FUTURE (retryable: a commit is missing), MLS_EPOCH_TOO_OLD, MLS_STALE_COMMIT (a
 * handshake from a past epoch, e.g. the loser of a commit race or our own commit read back),
 * MLS_MESSAGE_REJECTED (decryption, signature, membership or MLS validation failed).
 */
export async function processGroupMessage(
  state: ClientState,
  bytes: Uint8Array,
): Promise<ProcessedMessage> {
  const message = decodeGroupMessage(bytes);
  if (message.wireformat === "mls_public_message") {
    // libxmtp's WireFormatPolicy is PURE_CIPHERTEXT: it never sends, and refuses, PublicMessages.
    throw reject(
      "MLS_MESSAGE_REJECTED",
      "a PublicMessage in an XMTP group (only PrivateMessages are allowed)",
    );
  }
  if (message.wireformat !== "mls_private_message") {
    throw reject("MLS_MESSAGE_MALFORMED", `a ${message.wireformat} is not a group message`);
  }
  const pm = message.privateMessage;
  const ctx = state.groupContext;
  if (!bytesEqual(pm.groupId, ctx.groupId)) {
    throw reject(
      "MLS_WRONG_GROUP",
      `the message is for group ${toHex(pm.groupId)}, not ${toHex(ctx.groupId)}`,
    );
  }
  if (state.groupActiveState.kind !== "active") {
    throw reject(
      "MLS_GROUP_INACTIVE",
      `the group is not active (${state.groupActiveState.kind}); it receives nothing more`,
    );
  }
  if (pm.epoch > ctx.epoch) {
    throw reject(
      "MLS_EPOCH_IN_FUTURE",
      `the message is from epoch ${pm.epoch} but the group is at ${ctx.epoch}; process the missing commits first`,
      undefined,
      true,
    );
  }
  const past = pm.epoch < ctx.epoch ? state.historicalReceiverData.get(pm.epoch) : undefined;
  if (pm.epoch < ctx.epoch) {
    if (pm.contentType !== "application") {
      throw reject(
        "MLS_STALE_COMMIT",
        `a ${pm.contentType} from past epoch ${pm.epoch} (the group is at ${ctx.epoch}); skip it`,
      );
    }
    if (past === undefined) {
      throw reject(
        "MLS_EPOCH_TOO_OLD",
        `the message is from epoch ${pm.epoch}, older than the ${state.clientConfig.keyRetentionConfig.retainKeysForEpochs} retained epochs`,
      );
    }
  }

  const cs = await xmtpCiphersuite();
  let committerLeafIndex: number | undefined;
  let appliedProposals: ProposalWithSender[] = [];
  let receivedProposal: Proposal | undefined;
  const capture: IncomingMessageCallback = (incoming) => {
    if (incoming.kind === "commit") {
      committerLeafIndex = incoming.senderLeafIndex;
      appliedProposals = incoming.proposals;
    } else {
      receivedProposal = incoming.proposal.proposal;
    }
    return "accept";
  };

  let senderLeafIndex: number | undefined;
  try {
    const senderData = await decryptSenderData(
      pm,
      past?.senderDataSecret ?? state.keySchedule.senderDataSecret,
      cs,
    );
    senderLeafIndex = senderData?.leafIndex;
  } catch {
    senderLeafIndex = undefined;
  }
  if (senderLeafIndex === undefined) {
    throw reject(
      "MLS_MESSAGE_REJECTED",
      "the sender data does not decrypt; the message is not from a member of this epoch",
    );
  }
  const senderTree = past?.ratchetTree ?? state.ratchetTree;
  const sender = memberAt(senderTree, senderLeafIndex);
  if (sender === undefined) {
    throw reject(
      "MLS_MESSAGE_REJECTED",
      `leaf ${senderLeafIndex} is not a member of epoch ${pm.epoch}`,
    );
  }
  if (past !== undefined) {
    // libxmtp takes the sender from the group as it is now (extract_message_sender): a member
    // removed since cannot post with the keys of an epoch it still holds.
    const current = memberAt(state.ratchetTree, senderLeafIndex);
    if (current === undefined || current.inboxId !== sender.inboxId) {
      throw reject(
        "MLS_MESSAGE_REJECTED",
        `the sender (leaf ${senderLeafIndex}, inbox ${sender.inboxId}) is no longer a member; its message from epoch ${pm.epoch} is refused`,
      );
    }
  }

  let result: Awaited<ReturnType<typeof tsProcessMessage>>;
  try {
    result = await tsProcessMessage(message, state, emptyPskIndex, capture, cs);
  } catch (e) {
    throw reject("MLS_MESSAGE_REJECTED", `the message was rejected: ${errorMessage(e)}`, e);
  }

  if (result.kind === "applicationMessage") {
    const processed: ProcessedApplicationMessage = {
      kind: "application",
      newState: result.newState,
      epoch: pm.epoch,
      sender,
      plaintext: result.message,
      envelope: undefined,
    };
    try {
      processed.envelope = decodePlaintextEnvelope(result.message);
      if (processed.envelope.kind === "v1") {
        processed.messageId = calculateMessageId(
          ctx.groupId,
          processed.envelope.content,
          processed.envelope.idempotencyKey,
        );
      }
    } catch (e) {
      if (!(e instanceof ExtensionError)) throw e;
      processed.envelopeError = e;
    }
    return processed;
  }
  if (pm.contentType === "commit") {
    return {
      kind: "commit",
      newState: result.newState,
      previousState: state,
      diff: diffGroupStates(
        state,
        result.newState,
        committerLeafIndex ?? senderLeafIndex,
        appliedProposals,
      ),
    };
  }
  if (receivedProposal === undefined) {
    throw reject("MLS_MESSAGE_REJECTED", "ts-mls reported no proposal for a proposal message");
  }
  return { kind: "proposal", newState: result.newState, sender, proposal: receivedProposal };
}
