import type { Metadata } from "next";
import { SimulatorView } from "@/components/views/SimulatorView";

export const metadata: Metadata = { title: "Simulator" };

export default function Page() {
  return <SimulatorView />;
}
