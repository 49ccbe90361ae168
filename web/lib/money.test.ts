import { describe, expect, it } from "vitest";
import { appliedText, currencyCodes, sameMerchant, missingRatesNote, ruleFromEdit, ruleFromForm, ruleSummary, settingsPatch, timeZoneOptions, type RuleForm } from "./money";

const form = (f: Partial<RuleForm>): RuleForm => ({ merchant: "Tesco", match: "equals", category: "groceries", min: "", max: "", account_id: "", ...f });

describe("base currency and time zone choices", () => {
  it("offers every ISO 4217 code of the table, sorted, including JPY and KWD", () => {
    const c = currencyCodes();
    expect(c).toContain("USD");
    expect(c).toContain("JPY");
    expect(c).toContain("KWD");
    expect([...c].sort()).toEqual(c);
    expect(new Set(c).size).toBe(c.length);
  });

  it("lists UTC first, keeps the current and suggested zones even when the browser lacks them", () => {
    expect(timeZoneOptions(["Europe/Paris", "America/New_York"], "Pacific/Kiritimati", "Asia/Tokyo")).toEqual(["UTC", "America/New_York", "Asia/Tokyo", "Europe/Paris", "Pacific/Kiritimati"]);
    expect(timeZoneOptions([], null, null)).toEqual(["UTC"]);
    expect(timeZoneOptions(["UTC", "Europe/Paris"], "UTC", "Europe/Paris")).toEqual(["UTC", "Europe/Paris"]);
  });

  it("sends only what changed, nothing when nothing did", () => {
    expect(settingsPatch({ base_currency: "USD", timezone: "UTC" }, { base_currency: "USD", timezone: "UTC" })).toBeNull();
    expect(settingsPatch({ base_currency: "USD", timezone: "UTC" }, { base_currency: "EUR", timezone: "UTC" })).toEqual({ base_currency: "EUR" });
    expect(settingsPatch({ base_currency: "USD", timezone: "UTC" }, { base_currency: "USD", timezone: "Europe/Paris" })).toEqual({ timezone: "Europe/Paris" });
    // An account from before the settings existed reads as the defaults (USD, UTC).
    expect(settingsPatch({}, { base_currency: "USD", timezone: "UTC" })).toBeNull();
    expect(settingsPatch({}, { base_currency: "JPY", timezone: "Asia/Tokyo" })).toEqual({ base_currency: "JPY", timezone: "Asia/Tokyo" });
  });
});

describe("missing rates note", () => {
  it("is absent when every rate was found", () => {
    expect(missingRatesNote(undefined, "USD")).toBeNull();
    expect(missingRatesNote([], "USD")).toBeNull();
  });
  it("names the missing currency and the base", () => {
    expect(missingRatesNote(["GBP"], "USD")).toBe("No exchange rate from GBP to USD: amounts in GBP are left out of this total. Add the missing rate to include it.");
  });
  it("lists several codes once each, sorted", () => {
    expect(missingRatesNote(["SEK", "GBP", "SEK", "CHF"], "EUR")).toBe("No exchange rate from CHF, GBP and SEK to EUR: amounts in CHF, GBP and SEK are left out of this total. Add the missing rates to include them.");
  });
});

describe("rule form", () => {
  it("builds the minimal body: trimmed merchant, lower-case category, no optional fields", () => {
    expect(ruleFromForm(form({ merchant: "  Tesco ", category: " Groceries " }), "USD")).toEqual({ ok: true, body: { merchant: "Tesco", match: "equals", category: "groceries" } });
  });

  it("converts the amount range to minor units of the currency", () => {
    expect(ruleFromForm(form({ match: "contains", min: "5", max: "20.5", account_id: "a1" }), "USD")).toEqual({
      ok: true,
      body: { merchant: "Tesco", match: "contains", category: "groceries", min_minor: 500, max_minor: 2050, account_id: "a1" },
    });
    expect(ruleFromForm(form({ min: "1500" }), "JPY")).toEqual({ ok: true, body: { merchant: "Tesco", match: "equals", category: "groceries", min_minor: 1500 } });
    expect(ruleFromForm(form({ max: "1.234" }), "KWD")).toEqual({ ok: true, body: { merchant: "Tesco", match: "equals", category: "groceries", max_minor: 1234 } });
    expect(ruleFromForm(form({ min: "0", max: "0" }), "USD")).toEqual({ ok: true, body: { merchant: "Tesco", match: "equals", category: "groceries", min_minor: 0, max_minor: 0 } });
  });

  it("names each bad field and builds nothing", () => {
    const r = ruleFromForm(form({ merchant: " ", category: "", min: "abc", max: "1.5" }), "JPY");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.merchant).toMatch(/merchant/);
    expect(r.errors.category).toMatch(/category/);
    expect(r.errors.min).toBe("Enter an amount in JPY without a sign or decimals.");
    expect(r.errors.max).toBe("Enter an amount in JPY without a sign or decimals.");
  });

  it("refuses more decimals than the currency has and a minimum above the maximum", () => {
    const d = ruleFromForm(form({ min: "1.005" }), "USD");
    expect(d).toEqual({ ok: false, errors: { min: "Enter an amount in USD without a sign and with at most 2 decimals." } });
    // The range bounds the amount's size: a signed bound is refused, not silently flipped.
    expect(ruleFromForm(form({ min: "-5" }), "USD")).toEqual({ ok: false, errors: { min: "Enter an amount in USD without a sign and with at most 2 decimals." } });
    expect(ruleFromForm(form({ merchant: "x".repeat(121) }), "USD")).toEqual({ ok: false, errors: { merchant: "The merchant is at most 120 characters." } });
    expect(ruleFromForm(form({ min: "20", max: "5" }), "USD")).toEqual({ ok: false, errors: { max: "The maximum must not be below the minimum." } });
  });

  it("matches merchants as the server does: trimmed, case-folded, whole", () => {
    expect(sameMerchant("  Blue BOTTLE ", "blue bottle")).toBe(true);
    expect(sameMerchant("Café Été", "CAFÉ ÉTÉ")).toBe(true);
    expect(sameMerchant("Blue Bottle Coffee", "Blue Bottle")).toBe(false);
    expect(sameMerchant(null, "x")).toBe(false);
  });

  it("the one-click rule from an edit matches the exact merchant, any amount and account", () => {
    expect(ruleFromEdit(" Blue Bottle ", "Dining")).toEqual({ merchant: "Blue Bottle", match: "equals", category: "dining" });
    expect(ruleFromEdit("", "dining")).toBeNull();
    expect(ruleFromEdit("Blue Bottle", " ")).toBeNull();
  });
});

describe("rule summary and apply result", () => {
  const accounts = [{ id: "a1", name: "Checking" }];
  it("describes the match, the range in the currency and the account", () => {
    expect(ruleSummary({ id: "r", merchant: "Tesco", match: "equals", category: "groceries" }, accounts, "USD")).toBe('Merchant is "Tesco"');
    expect(ruleSummary({ id: "r", merchant: "uber", match: "contains", category: "transport", min_minor: 500, max_minor: 2000, account_id: "a1" }, accounts, "USD")).toBe(
      'Merchant contains "uber" · from $5.00 to $20.00 · in Checking',
    );
    expect(ruleSummary({ id: "r", merchant: "x", match: "equals", category: "c", min_minor: 1500, max_minor: null, account_id: "gone" }, accounts, "JPY")).toBe('Merchant is "x" · at least ¥1,500 · in another account');
    expect(ruleSummary({ id: "r", merchant: "x", match: "equals", category: "c", max_minor: 1234 }, accounts, "KWD")).toBe('Merchant is "x" · at most 1.234 KWD');
  });
  it("says how many past transactions were recategorised", () => {
    expect(appliedText(0)).toBe("No past transaction needed a change.");
    expect(appliedText(1)).toBe("Recategorised 1 past transaction.");
    expect(appliedText(12)).toBe("Recategorised 12 past transactions.");
  });
});
