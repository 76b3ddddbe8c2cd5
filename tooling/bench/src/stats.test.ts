import { describe, expect, it } from "vitest";
import { fmt, renderTable, spread, summarize } from "./stats.js";

describe("summarize", () => {
  it("gives median, min, max and nearest-rank p95 of unsorted samples", () => {
    expect(summarize([5, 1, 3])).toEqual({ n: 3, median: 3, min: 1, max: 5, p95: 5 });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(hundred).p95).toBe(95);
    expect(summarize(hundred).median).toBe(50.5);
  });

  it("refuses an empty sample set", () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe("formatting", () => {
  it("keeps three significant figures or whole numbers", () => {
    expect(fmt(1234.5)).toBe("1,235");
    expect(fmt(12.345)).toBe("12.3");
    expect(fmt(1.2345)).toBe("1.23");
    expect(fmt(0.012345)).toBe("0.0123");
    expect(fmt(0)).toBe("0");
  });

  it("prints the spread as min–max with the repetition count", () => {
    expect(spread(summarize([3, 1, 2]))).toBe("1.00–3.00 n=3");
    expect(spread(summarize([7]))).toBe("n=1");
  });

  it("aligns columns", () => {
    const t = renderTable(["a", "bb"], [["xyz", "1"]]).split("\n");
    expect(t).toEqual(["a   | bb", "----|---", "xyz |  1"]);
  });
});
