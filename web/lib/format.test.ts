import { describe, expect, it } from "vitest";
import fixture from "../../tests/fixtures/money-format.json";
import table from "../../proto/currencies.json";
import { amountStep, currencyOf, minorUnits, money, toMajor, toMinor } from "./format";

// The same cases as tests/unit/common/test_money.c checks against common/money.c: the browser
// and the services must write every amount alike.
describe("money (tests/fixtures/money-format.json)", () => {
  for (const c of fixture.cases) {
    const opts = (c as { options?: { plus?: boolean; code?: boolean; group?: boolean } }).options ?? {};
    it(`${c.amount_minor} ${c.currency} ${JSON.stringify(opts)} -> ${c.text}`, () => {
      expect(money(BigInt(c.amount_minor), c.currency, opts)).toBe(c.text);
    });
  }

  it("has the minor units of the fixture", () => {
    for (const u of fixture.minor_units) expect([u.currency, minorUnits(u.currency)]).toEqual([u.currency, u.minor_units ?? -1]);
  });

  it("gives the same text for a number as for the bigint", () => {
    for (const c of fixture.cases) {
      const n = Number(c.amount_minor);
      if (!Number.isSafeInteger(n)) continue;
      const opts = (c as { options?: object }).options ?? {};
      expect(money(n, c.currency, opts)).toBe(c.text);
    }
  });
});

describe("currency table (proto/currencies.json)", () => {
  it("is sorted, unique and has the issue's currencies right", () => {
    const codes = table.currencies.map((c) => c.code);
    expect([...codes].sort()).toEqual(codes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(" ")) expect(minorUnits(c)).toBe(0);
    for (const c of "BHD IQD JOD KWD LYD OMR TND".split(" ")) expect(minorUnits(c)).toBe(3);
    expect(minorUnits("CLF")).toBe(4);
    expect(currencyOf("usd")).toBeUndefined();
  });
});

describe("major units", () => {
  it("converts with the currency's own decimals", () => {
    expect(toMinor(12.34, "USD")).toBe(1234);
    expect(toMinor(1234, "JPY")).toBe(1234);
    expect(toMinor(1.5, "KWD")).toBe(1500);
    expect(toMajor(123456, "VND")).toBe(123456);
    expect(toMajor(1500, "KWD")).toBe(1.5);
    expect(toMajor(12345, "CLF")).toBe(1.2345);
    expect([amountStep("USD"), amountStep("JPY"), amountStep("KWD"), amountStep("CLF")]).toEqual(["0.01", "1", "0.001", "0.0001"]);
  });
});

describe("compact chart labels", () => {
  it("shortens with the table's symbol or code", () => {
    expect(money(123456, "USD", { compact: true })).toBe("$1.2K");
    expect(money(-250000000, "USD", { compact: true })).toBe("-$2.5M");
    expect(money(123456789, "VND", { compact: true })).toBe("₫123.5M");
    expect(money(1500, "KWD", { compact: true })).toBe("1.5 KWD");
    expect(money(0, "EUR", { compact: true })).toBe("€0");
    expect(money(12345, "XYZ", { compact: true })).toBe("12,345 minor units of XYZ");
  });
});
