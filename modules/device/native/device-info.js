/*
 * Native binding of device-info.c; typings: device-info.d.ts.
 */
function getPlatform() @ "xs_device_info_platform";
function xsVersion() @ "xs_device_info_xs_version";
function systemFree() @ "xs_device_info_system_free";
function systemMinFree() @ "xs_device_info_system_min_free";
function resetReason() @ "xs_device_info_reset_reason";

const platform = getPlatform();

export { platform, xsVersion, systemFree, systemMinFree, resetReason };
