import type { Metadata } from "next";
import { RulesView } from "@/components/views/RulesView";

export const metadata: Metadata = { title: "Rules" };

export default function Page() {
  return <RulesView />;
}
