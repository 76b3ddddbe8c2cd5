// d14n envelopes as xmtpd builds them (reference/d14n.md §4): topics, originator ids, the
// PayerEnvelope / UnsignedOriginatorEnvelope / OriginatorEnvelope stack and its signatures.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  concatBytes,
  encodeU32,
  keccak256,
  recoverSecp256k1PublicKey,
  secp256k1SignRecoverable,
  sha256,
  utf8,
} from "@x/crypto";
import {
  type ClientEnvelope,
  ClientEnvelopeSchema,
  type OriginatorEnvelope,
  OriginatorEnvelopeSchema,
  type PayerEnvelope,
  PayerEnvelopeSchema,
  type UnsignedOriginatorEnvelope,
  UnsignedOriginatorEnvelopeSchema,
} from "@x/proto/xmtpv4/envelopes";

/** The node's own originator id (libxmtp's default/local node id). */
export const D14N_NODE_ID = 100;
/** Originator of MLS commits (on the real network: the GroupMessageBroadcaster contract). */
export const COMMIT_ORIGINATOR = 0;
/** Originator of identity updates (on the real network: the IdentityUpdateBroadcaster contract). */
export const IDENTITY_ORIGINATOR = 1;
/** xmtpd's DefaultStorageDurationDays. */
export const RETENTION_DAYS = 60;

export const TopicKind = {
  GroupMessages: 0,
  WelcomeMessages: 1,
  IdentityUpdates: 2,
  KeyPackages: 3,
  /** Node-only ("reserved"): payer reports and their attestations. */
  PayerReports: 4,
  PayerReportAttestations: 5,
} as const;

export const MIN_TOPIC_BYTES = 2;
export const MAX_TOPIC_BYTES = 128;

/** `kind ‖ identifier`. */
export function topic(kind: number, identifier: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(kind), identifier);
}

/** keccak256("target|" ‖ u32_be(target_originator) ‖ "payer|" ‖ unsigned_client_envelope). */
export function payerSignatureHash(
  targetOriginator: number,
  unsignedClientEnvelope: Uint8Array,
): Uint8Array {
  return keccak256(
    concatBytes(
      utf8("target|"),
      encodeU32(targetOriginator),
      utf8("payer|"),
      unsignedClientEnvelope,
    ),
  );
}

/** keccak256("originator|" ‖ unsigned_originator_envelope). */
export function originatorSignatureHash(unsignedOriginatorEnvelope: Uint8Array): Uint8Array {
  return keccak256(concatBytes(utf8("originator|"), unsignedOriginatorEnvelope));
}

/** A 65-byte r‖s‖v signature with v ∈ {0, 1}, as go-ethereum's crypto.Sign emits. */
export function signRecoverable(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const sig = secp256k1SignRecoverable(digest, privateKey);
  // @x/crypto puts v = 27 + recovery bit (Ethereum wallet form); xmtpd uses the bare bit.
  sig[64] = (sig[64] ?? 27) - 27;
  return sig;
}

/** The uncompressed public key that made `signature` over `digest`. */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  return recoverSecp256k1PublicKey(digest, signature);
}

/** The PayerEnvelope of a node-path envelope: signed by the payer for target `D14N_NODE_ID`. */
export function nodePayerEnvelope(clientEnvelope: Uint8Array, payerKey: Uint8Array): Uint8Array {
  return toBinary(
    PayerEnvelopeSchema,
    create(PayerEnvelopeSchema, {
      unsignedClientEnvelope: clientEnvelope,
      payerSignature: {
        bytes: signRecoverable(payerSignatureHash(D14N_NODE_ID, clientEnvelope), payerKey),
      },
      targetOriginator: D14N_NODE_ID,
      messageRetentionDays: RETENTION_DAYS,
    }),
  );
}

/** The PayerEnvelope of a chain-path envelope (originators 0 and 1): the client envelope only. */
export function chainPayerEnvelope(clientEnvelope: Uint8Array): Uint8Array {
  return toBinary(
    PayerEnvelopeSchema,
    create(PayerEnvelopeSchema, { unsignedClientEnvelope: clientEnvelope }),
  );
}

export interface Sequenced {
  originatorId: number;
  sequenceId: bigint;
  originatorNs: bigint;
}

/**
 * The OriginatorEnvelope for a sequenced envelope. Node path (originator 100): fees 0, expiry
 * now + 60 days, signed with the node key. Chain path (0, 1): fees and expiry 0, and a
 * blockchain proof whose transaction hash is sha256 of the client envelope.
 */
export function originatorEnvelope(
  s: Sequenced,
  payerEnvelopeBytes: Uint8Array,
  clientEnvelope: Uint8Array,
  nodeKey: Uint8Array,
): OriginatorEnvelope {
  const node = s.originatorId === D14N_NODE_ID;
  const unsigned = toBinary(
    UnsignedOriginatorEnvelopeSchema,
    create(UnsignedOriginatorEnvelopeSchema, {
      originatorNodeId: s.originatorId,
      originatorSequenceId: s.sequenceId,
      originatorNs: s.originatorNs,
      payerEnvelopeBytes,
      baseFeePicodollars: 0n,
      congestionFeePicodollars: 0n,
      expiryUnixtime: node ? s.originatorNs / 1_000_000_000n + BigInt(RETENTION_DAYS * 86_400) : 0n,
    }),
  );
  return create(OriginatorEnvelopeSchema, {
    unsignedOriginatorEnvelope: unsigned,
    proof: node
      ? {
          case: "originatorSignature",
          value: { bytes: signRecoverable(originatorSignatureHash(unsigned), nodeKey) },
        }
      : { case: "blockchainProof", value: { transactionHash: sha256(clientEnvelope) } },
  });
}

export interface OpenedEnvelope {
  unsigned: UnsignedOriginatorEnvelope;
  payer: PayerEnvelope;
  client: ClientEnvelope;
}

/** Decodes the three layers of an OriginatorEnvelope (as libxmtp does). */
export function openEnvelope(envelope: OriginatorEnvelope | Uint8Array): OpenedEnvelope {
  const e =
    envelope instanceof Uint8Array ? fromBinary(OriginatorEnvelopeSchema, envelope) : envelope;
  const unsigned = fromBinary(UnsignedOriginatorEnvelopeSchema, e.unsignedOriginatorEnvelope);
  const payer = fromBinary(PayerEnvelopeSchema, unsigned.payerEnvelopeBytes);
  const client = fromBinary(ClientEnvelopeSchema, payer.unsignedClientEnvelope);
  return { unsigned, payer, client };
}
