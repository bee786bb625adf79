/*
 * device-info: facts about the running firmware that only C can read. Portable: esp32 and the Moddable simulator
 * (lin); values a platform does not have are returned as undefined.
 */
#include "xsAll.h"		// the XS API and XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION (xsmc.h conflicts with it)
#include "mc.xs.h"

#if ESP32
	#include "esp_system.h"
	#include "esp_heap_caps.h"
#endif

void xs_device_info_platform(xsMachine *the)
{
#if ESP32
	xsResult = xsString("esp32");
#elif defined(__linux__)
	xsResult = xsString("lin");
#else
	xsResult = xsString("unknown");
#endif
}

void xs_device_info_xs_version(xsMachine *the)
{
	char buffer[24];
	snprintf(buffer, sizeof(buffer), "%d.%d.%d", XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION);
	xsResult = xsString(buffer);
}

void xs_device_info_system_free(xsMachine *the)
{
#if ESP32
	xsResult = xsNumber((xsNumberValue)esp_get_free_heap_size());
#endif
}

void xs_device_info_system_min_free(xsMachine *the)
{
#if ESP32
	xsResult = xsNumber((xsNumberValue)esp_get_minimum_free_heap_size());
#endif
}

void xs_device_info_reset_reason(xsMachine *the)
{
#if ESP32
	const char *reason;
	switch (esp_reset_reason()) {
		case ESP_RST_POWERON:	reason = "poweron"; break;
		case ESP_RST_EXT:		reason = "external"; break;
		case ESP_RST_SW:		reason = "software"; break;
		case ESP_RST_PANIC:		reason = "panic"; break;
		case ESP_RST_INT_WDT:
		case ESP_RST_TASK_WDT:
		case ESP_RST_WDT:		reason = "watchdog"; break;
		case ESP_RST_DEEPSLEEP:	reason = "deepsleep"; break;
		case ESP_RST_BROWNOUT:	reason = "brownout"; break;
		default:				reason = "unknown"; break;
	}
	xsResult = xsString((char *)reason);
#endif
}
