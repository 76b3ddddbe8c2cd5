import { describe, expect, it } from "vitest";
import { adminsOnlyPolicySet, defaultPolicySet, dmPolicySet } from "../engine/index.js";
import { describePermissions, policySetOf, withPermission } from "./permissions.js";

describe("permission policies", () => {
  it("names the presets and each policy as node-sdk does", () => {
    expect(describePermissions(policySetOf("all_members"))).toEqual({
      policyType: "all_members",
      policySet: {
        addMemberPolicy: "allow",
        removeMemberPolicy: "admin",
        addAdminPolicy: "superAdmin",
        removeAdminPolicy: "superAdmin",
        updateGroupNamePolicy: "allow",
        updateGroupDescriptionPolicy: "allow",
        updateGroupImageUrlSquarePolicy: "allow",
        updateMessageDisappearingPolicy: "admin",
        updateAppDataPolicy: "allow",
      },
    });
    expect(describePermissions(adminsOnlyPolicySet()).policyType).toBe("admin_only");
    expect(describePermissions(dmPolicySet())).toMatchObject({
      policyType: "custom_policy",
      policySet: { addMemberPolicy: "deny", addAdminPolicy: "deny" },
    });
  });

  it("replaces one policy and leaves the rest (and the input) as they were", () => {
    const before = defaultPolicySet();
    const after = withPermission(before, "updateMetadata", "superAdmin", "description");
    expect(describePermissions(after).policyType).toBe("custom_policy");
    expect(describePermissions(after).policySet.updateGroupDescriptionPolicy).toBe("superAdmin");
    expect(describePermissions(before).policyType).toBe("all_members");
    const back = withPermission(after, "updateMetadata", "allow", "description");
    expect(describePermissions(back).policyType).toBe("all_members");
    const adding = withPermission(adminsOnlyPolicySet(), "addMember", "allow");
    expect(describePermissions(adding).policySet.addMemberPolicy).toBe("allow");
  });

  it("refuses combinations libxmtp refuses, with CLIENT_INVALID_ARGUMENT", () => {
    const set = defaultPolicySet();
    const code = { code: "CLIENT_INVALID_ARGUMENT" };
    expect(() => withPermission(set, "addAdmin", "allow")).toThrow(expect.objectContaining(code));
    expect(() => withPermission(set, "updateMetadata", "admin")).toThrow(
      expect.objectContaining(code),
    );
    expect(() => withPermission(set, "addMember", "deny", "group_name")).toThrow(
      expect.objectContaining(code),
    );
    expect(() => withPermission(set, "updateMetadata", "allow", "_commit_log_signer")).toThrow(
      expect.objectContaining(code),
    );
    expect(() => withPermission(set, "removeMember", "other")).toThrow(
      expect.objectContaining(code),
    );
  });
});
