import { encodeRequiredCapabilities } from "ts-mls";
import { describe, expect, it } from "vitest";
import { newMember } from "../test-utils/identities.js";
import {
  EXTENSION_GROUP_MEMBERSHIP,
  EXTENSION_GROUP_PERMISSIONS,
  EXTENSION_IMMUTABLE_METADATA,
  EXTENSION_MUTABLE_METADATA,
  EXTENSION_REQUIRED_CAPABILITIES,
} from "./constants.js";
import { ExtensionError } from "./errors.js";
import {
  decodeImmutableMetadataExtension,
  extensionTypeNumber,
  immutableMetadataExtension,
  initialGroupExtensions,
  readGroupExtensions,
  replaceExtension,
  requiredCapabilitiesExtension,
} from "./extensions.js";
import { addMembers, createGroup } from "./group.js";
import {
  defaultGroupMutableMetadata,
  dmId,
  dmImmutableMetadata,
  groupImmutableMetadata,
} from "./metadata.js";
import { ConversationType, encodeGroupMetadata } from "./payloads.js";
import { defaultPolicySet } from "./policies.js";
import { toHex } from "./tls.js";

const A = "0a7342740183795518a9e088237f294a257f43220052dde8ba20eba0c4cc07ab";
const B = "B0AF1B9DAE31DFEC1FCD5697562C3AF22C9A0B65115067F691D5CF1A708127CC";

describe("required_capabilities", () => {
  it("is extension types [ff01 ff00 ff02 f000 000a 0001], proposals [0007], credentials [basic]", () => {
    const ext = requiredCapabilitiesExtension();
    expect(extensionTypeNumber(ext)).toBe(EXTENSION_REQUIRED_CAPABILITIES);
    expect(toHex(ext.extensionData)).toBe("0cff01ff00ff02f000000a0001" + "020007" + "020001");
  });
});

describe("ImmutableMetadata (0xf000)", () => {
  it("is a TLS varint-length prefix around GroupMetadataV1", () => {
    const m = dmImmutableMetadata(A, B);
    const proto = encodeGroupMetadata(m);
    const ext = immutableMetadataExtension(m);
    expect(proto.length).toBeGreaterThan(63);
    // two-byte MLS varint: 01 + 14-bit length
    expect(toHex(ext.extensionData.slice(0, 2))).toBe((0x4000 | proto.length).toString(16));
    expect(ext.extensionData.slice(2)).toEqual(proto);
    expect(decodeImmutableMetadataExtension(ext.extensionData)).toEqual(m);
    expect(() => decodeImmutableMetadataExtension(proto)).toThrow(ExtensionError);
  });
});

describe("a new group's extensions", () => {
  it("come in libxmtp's order and decode back", () => {
    const exts = initialGroupExtensions({
      metadata: groupImmutableMetadata(A),
      mutableMetadata: defaultGroupMutableMetadata(A, { name: "n" }),
      membership: { members: { [A]: 0n }, failedInstallations: [] },
      permissions: defaultPolicySet(),
    });
    expect(exts.map(extensionTypeNumber)).toEqual([
      EXTENSION_IMMUTABLE_METADATA,
      EXTENSION_MUTABLE_METADATA,
      EXTENSION_GROUP_MEMBERSHIP,
      EXTENSION_GROUP_PERMISSIONS,
      EXTENSION_REQUIRED_CAPABILITIES,
    ]);
    const read = readGroupExtensions(exts);
    expect(read.metadata).toEqual({ conversationType: ConversationType.GROUP, creatorInboxId: A });
    expect(read.requiredCapabilities).toEqual({
      extensionTypes: [0xff01, 0xff00, 0xff02, 0xf000, 0x000a, 0x0001],
      proposalTypes: [7],
      credentialTypes: ["basic"],
    });
  });

  it("have the default attributes: name, description, image, app_data and a 32-byte commit-log signer", () => {
    const m = defaultGroupMutableMetadata(A);
    expect(Object.keys(m.attributes).sort()).toEqual(
      [
        "_commit_log_signer",
        "app_data",
        "description",
        "group_image_url_square",
        "group_name",
      ].sort(),
    );
    expect(m.attributes._commit_log_signer).toMatch(/^[0-9a-f]{64}$/);
    expect(defaultGroupMutableMetadata(A).attributes._commit_log_signer).not.toBe(
      m.attributes._commit_log_signer,
    );
    expect(m.superAdminList).toEqual([A]);
    const withDisappearing = defaultGroupMutableMetadata(A, {
      messageDisappearing: { fromNs: 5n, inNs: 10n },
    });
    expect(withDisappearing.attributes.message_disappear_from_ns).toBe("5");
    expect(withDisappearing.attributes.message_disappear_in_ns).toBe("10");
  });

  it("are replaced like OpenMLS add_or_replace: the new one goes last", async () => {
    const [alice, bob] = await Promise.all([newMember(), newMember()]);
    const state = await createGroup(alice.identity);
    const staged = await addMembers(state, [bob.verified], { [bob.identity.inboxId]: 1n });
    // the order libxmtp groups show after a membership change (ts-mls-interop.md, step 2)
    expect(staged.newState.groupContext.extensions.map(extensionTypeNumber)).toEqual([
      EXTENSION_IMMUTABLE_METADATA,
      EXTENSION_MUTABLE_METADATA,
      EXTENSION_GROUP_PERMISSIONS,
      EXTENSION_REQUIRED_CAPABILITIES,
      EXTENSION_GROUP_MEMBERSHIP,
    ]);
    const replaced = replaceExtension(
      staged.newState.groupContext.extensions,
      requiredCapabilitiesExtension(),
    );
    expect(replaced.map(extensionTypeNumber).at(-1)).toBe(EXTENSION_REQUIRED_CAPABILITIES);
    expect(replaced.length).toBe(5);
  });

  it("are refused when one is missing or does not decode", () => {
    const good = initialGroupExtensions({
      metadata: groupImmutableMetadata(A),
      mutableMetadata: defaultGroupMutableMetadata(A),
      membership: { members: { [A]: 0n }, failedInstallations: [] },
      permissions: defaultPolicySet(),
    });
    const without = good.filter((e) => extensionTypeNumber(e) !== EXTENSION_GROUP_PERMISSIONS);
    expect(() => readGroupExtensions(without)).toThrow(
      expect.objectContaining({ code: "MLS_EXTENSION_MISSING" }),
    );
    const broken = replaceExtension(good, {
      extensionType: EXTENSION_GROUP_MEMBERSHIP,
      extensionData: Uint8Array.of(0xff),
    });
    expect(() => readGroupExtensions(broken)).toThrow(
      expect.objectContaining({ code: "MLS_EXTENSION_MALFORMED" }),
    );
    const badCaps = replaceExtension(good, {
      extensionType: "required_capabilities",
      extensionData: new Uint8Array([
        ...encodeRequiredCapabilities({
          extensionTypes: [],
          proposalTypes: [],
          credentialTypes: [],
        }),
        1,
      ]),
    });
    expect(() => readGroupExtensions(badCaps)).toThrow(
      expect.objectContaining({ code: "MLS_EXTENSION_MALFORMED" }),
    );
  });
});

describe("dm ids", () => {
  it("are dm: + the lowercased inbox ids, sorted, joined by ':'", () => {
    expect(dmId(B, A)).toBe(`dm:${A}:${B.toLowerCase()}`);
    expect(dmId(A, B)).toBe(dmId(B, A));
  });
});
