// Real, signed identity updates for tests, built with @x/id's signature requests.
import {
  ed25519PublicKey,
  ethereumAddressFromPublicKey,
  generateEd25519PrivateKey,
  generateSecp256k1PrivateKey,
  secp256k1PublicKey,
  signPersonalMessage,
} from "@x/crypto";
import {
  type EthereumIdentifier,
  ethereumIdentifier,
  type IdentitySigner,
  identityUpdateToProto,
  inboxIdFor,
  installationIdentifier,
  SignatureRequestBuilder,
} from "@x/id";
import type { IdentityUpdate } from "@x/proto/identity/associations";

export interface Wallet {
  identifier: EthereumIdentifier;
  signer: IdentitySigner;
}

export function randomWallet(): Wallet {
  const key = generateSecp256k1PrivateKey();
  const identifier = ethereumIdentifier(ethereumAddressFromPublicKey(secp256k1PublicKey(key)));
  return {
    identifier,
    signer: {
      type: "EOA",
      getIdentifier: () => identifier,
      signMessage: async (m) => signPersonalMessage(m, key),
    },
  };
}

let clock = 1_795_316_400_000_000_000n;
const tick = () => (clock += 1_000_000_000n);

/** CreateInbox(wallet, nonce) + AddAssociation(new installation), signed by both. */
export async function createInbox(wallet: Wallet, nonce = 1n) {
  const installationKey = generateEd25519PrivateKey();
  const inboxId = inboxIdFor(wallet.identifier, nonce);
  const installation = installationIdentifier(ed25519PublicKey(installationKey));
  const request = new SignatureRequestBuilder(inboxId, tick())
    .createInbox(wallet.identifier, nonce)
    .addAssociation(installation, wallet.identifier)
    .build();
  await request.addSignerSignature(wallet.signer);
  await request.addInstallationSignature(installationKey);
  return {
    inboxId,
    installationKey,
    update: identityUpdateToProto(request.build()) as IdentityUpdate,
  };
}

/** Links `other` to the inbox; signed by `other` and an existing member wallet. */
export async function addWallet(
  inboxId: string,
  existing: Wallet,
  other: Wallet,
): Promise<IdentityUpdate> {
  const request = new SignatureRequestBuilder(inboxId, tick())
    .addAssociation(other.identifier, existing.identifier)
    .build();
  await request.addSignerSignature(existing.signer);
  await request.addSignerSignature(other.signer);
  return identityUpdateToProto(request.build()) as IdentityUpdate;
}

/** Unlinks `revoked`; signed by the recovery wallet. */
export async function revokeWallet(
  inboxId: string,
  recovery: Wallet,
  revoked: Wallet,
): Promise<IdentityUpdate> {
  const request = new SignatureRequestBuilder(inboxId, tick())
    .revokeAssociation(recovery.identifier, revoked.identifier)
    .build();
  await request.addSignerSignature(recovery.signer);
  return identityUpdateToProto(request.build()) as IdentityUpdate;
}
