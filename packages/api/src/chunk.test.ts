import { expect, it } from "vitest";
import { chunks, MAX_GRPC_MESSAGE_BYTES, welcomeChunkSize } from "./chunk.js";

it("splits into consecutive chunks", () => {
  expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  expect(chunks([], 3)).toEqual([]);
  expect(() => chunks([1], 0)).toThrow(RangeError);
});

it("sizes welcome chunks to fit 25 MiB, between 1 and 400", () => {
  expect(welcomeChunkSize(1000)).toBe(400);
  expect(welcomeChunkSize(137 * 1024)).toBe(186);
  expect(welcomeChunkSize(10 * 1024 * 1024)).toBe(2);
  expect(welcomeChunkSize(MAX_GRPC_MESSAGE_BYTES + 1)).toBe(1);
  expect(welcomeChunkSize(0)).toBe(400);
});
