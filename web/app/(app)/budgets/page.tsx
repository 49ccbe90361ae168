import type { Metadata } from "next";
import { BudgetsView } from "@/components/views/BudgetsView";

export const metadata: Metadata = { title: "Budgets" };

export default function Page() {
  return <BudgetsView />;
}
