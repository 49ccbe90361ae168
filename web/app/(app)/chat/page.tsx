import type { Metadata } from "next";
import { ChatView } from "@/components/views/ChatView";

export const metadata: Metadata = { title: "Chat" };

export default function Page() {
  return <ChatView />;
}
