import { describe, expect, it } from "vitest";
import { monthlyContribution, monthlyRate, project } from "./projection";

const base = {
  start_balance_minor: 1_000_000,
  monthly_income_minor: 500_000,
  monthly_expenses_minor: 400_000,
  savings_rate: 20,
  monthly_extra_minor: 10_000,
  expense_change_pct: -10,
  annual_return_pct: 0,
  months: 12,
};

describe("project", () => {
  it("adds savings, extra and freed expenses each month", () => {
    expect(monthlyContribution(base)).toBe(100_000 + 10_000 + 40_000);
    const p = project(base);
    expect(p.series).toHaveLength(12);
    expect(p.final_minor).toBe(1_000_000 + 12 * 150_000);
    expect(p.total_growth_minor).toBe(0);
  });

  it("compounds the annual return monthly", () => {
    expect(monthlyRate(12)).toBeCloseTo(0.009489, 5);
    const p = project({ ...base, savings_rate: 0, monthly_extra_minor: 0, expense_change_pct: 0, annual_return_pct: 10 });
    expect(p.final_minor).toBeGreaterThan(1_099_000);
    expect(p.final_minor).toBeLessThan(1_101_000);
    expect(p.total_contributions_minor).toBe(0);
  });

  it("stays in integer minor units and clamps months", () => {
    const p = project({ ...base, annual_return_pct: 7.3, months: 10_000 });
    expect(p.series).toHaveLength(600);
    expect(p.series.every((s) => Number.isInteger(s.balance_minor))).toBe(true);
  });
});
