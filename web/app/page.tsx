import type { Metadata } from "next";
import { HomeRedirect } from "@/components/views/HomeRedirect";

export const metadata: Metadata = { title: { absolute: "finchat" } };

export default function Home() {
  return <HomeRedirect />;
}
