/**
 * Host (Node) implementation of the project's `device-info` module (modules/device/native on the device):
 * the XS version is unknown on Node; the "system heap" is the machine's free memory; there is no reset reason.
 */
import { freemem } from "node:os";

export const platform = "host";
export function xsVersion(): string | undefined {
  return undefined;
}
export function systemFree(): number | undefined {
  return freemem();
}
export function systemMinFree(): number | undefined {
  return undefined;
}
export function resetReason(): string | undefined {
  return undefined;
}
