import { expect, it } from "vitest";
import { PACKAGE } from "./index.js";

it("names itself", () => {
  expect(PACKAGE).toBe("@x/crypto");
});
