/** device-info.c / device-info.js (esp32 and lin); the same API as `declare module "device-info"` in modules/app/platform.d.ts */
export const platform: string;
export function xsVersion(): string | undefined;
export function systemFree(): number | undefined;
export function systemMinFree(): number | undefined;
export function resetReason(): string | undefined;
