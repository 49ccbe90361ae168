import type { Metadata } from "next";
import { AuthForm } from "@/components/views/AuthForm";

export const metadata: Metadata = { title: "Create account" };

export default function RegisterPage() {
  return <AuthForm mode="register" />;
}
