/*
 * Olimex ESP32-POE Ethernet glue (ESP-IDF v6.0, internal EMAC + LAN8720A over RMII).
 *
 * What the Moddable SDK's own Ethernet modules cannot do on this board: the LAN8720A here has no crystal of its
 * own, so the ESP32 must DRIVE the 50 MHz RMII reference clock, from its APLL, out on GPIO17 (EMAC_CLK_OUT_180).
 * Since ESP-IDF v5 that is set in code only (eth_esp32_emac_config_t.clock_config); the SDK uses the default
 * (clock input on GPIO0). Board wiring: PHY address 0, MDC GPIO23, MDIO GPIO18, PHY power enable GPIO12.
 * In ESP-IDF v6.0 the LAN87xx PHY driver is the registry component espressif/lan87xx (see manifest.json).
 *
 * JavaScript side: poe-ethernet.js. Events from the ESP-IDF event task are posted to the XS machine's thread
 * (modMessagePostToMachine); JavaScript gets onChanged("link" | "address") and reads the state with getters.
 */

#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"
#include "mc.defines.h"
#include "builtinCommon.h"		// builtinGetCallback (modules/io/common, in every ECMA-419 build)

#include "esp_eth.h"
#include "esp_eth_phy_lan87xx.h"
#include "esp_netif.h"
#include "esp_event.h"
#include "esp_mac.h"
#include "driver/gpio.h"
#include "lwip/ip4_addr.h"

#ifndef MODDEF_POE_PHY_ADDRESS
	#define MODDEF_POE_PHY_ADDRESS (0)
#endif
#ifndef MODDEF_POE_MDC
	#define MODDEF_POE_MDC (23)
#endif
#ifndef MODDEF_POE_MDIO
	#define MODDEF_POE_MDIO (18)
#endif
#ifndef MODDEF_POE_POWER
	#define MODDEF_POE_POWER (12)
#endif
#ifndef MODDEF_POE_CLOCK_OUT
	#define MODDEF_POE_CLOCK_OUT (17)
#endif

typedef struct PoeEthernetRecord PoeEthernetRecord;
typedef PoeEthernetRecord *PoeEthernet;

struct PoeEthernetRecord {
	xsMachine	*the;
	xsSlot		obj;
	xsSlot		*onChanged;
	uint32_t	useCount;
	uint8_t		closed;
};

enum {
	kPoeLink = 1,
	kPoeAddress = 2
};

static esp_netif_t *gNetif;
static esp_eth_handle_t gEth;
static uint8_t gStarted;
static PoeEthernet gOwner;
static volatile uint8_t gLink;

static void poeRelease(PoeEthernet poe)
{
	if (0 == __atomic_sub_fetch(&poe->useCount, 1, __ATOMIC_SEQ_CST))
		c_free(poe);
}

static void poeDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength)
{
	PoeEthernet poe = refcon;
	uint8_t what = *message;

	if (!poe->closed && poe->onChanged) {
		xsBeginHost(the);
			xsmcVars(1);
			xsmcSetString(xsVar(0), (kPoeLink == what) ? "link" : "address");
			xsCallFunction1(xsReference(poe->onChanged), poe->obj, xsVar(0));
		xsEndHost(the);
	}
	poeRelease(poe);
}

static void poePost(uint8_t what)
{
	PoeEthernet poe = gOwner;		// read once: close() may clear it from the XS thread
	if (!poe || poe->closed)
		return;
	__atomic_add_fetch(&poe->useCount, 1, __ATOMIC_SEQ_CST);
	if (modMessagePostToMachine(poe->the, &what, sizeof(what), poeDeliver, poe))
		poeRelease(poe);
}

static void poeEthEvent(void *arg, esp_event_base_t base, int32_t id, void *data)
{
	if (ETHERNET_EVENT_CONNECTED == id)
		gLink = 1;
	else if ((ETHERNET_EVENT_DISCONNECTED == id) || (ETHERNET_EVENT_STOP == id))
		gLink = 0;
	else
		return;
	poePost(kPoeLink);
}

static void poeIPEvent(void *arg, esp_event_base_t base, int32_t id, void *data)
{
	if ((IP_EVENT_ETH_GOT_IP == id) || (IP_EVENT_ETH_LOST_IP == id))
		poePost(kPoeAddress);
}

static void poeDestructor(void *data)
{
	if (data)
		poeRelease((PoeEthernet)data);
}

static void poeMark(xsMachine *the, void *it, xsMarkRoot markRoot)
{
	PoeEthernet poe = it;
	if (poe->onChanged)
		(*markRoot)(the, poe->onChanged);
}

static const xsHostHooks gPoeHooks = {
	poeDestructor,
	poeMark,
	NULL
};

static uint8_t poeParseIP(xsMachine *the, xsSlot *object, xsIdentifier id, esp_ip4_addr_t *out, uint8_t required)
{
	if (!xsmcHas(*object, id)) {
		if (required)
			xsRangeError("static address incomplete");
		return 0;
	}
	xsmcGet(xsVar(2), *object, id);		// caller reserved 3 vars
	if (ESP_OK != esp_netif_str_to_ip4(xsmcToString(xsVar(2)), out))
		xsRangeError("invalid IPv4 address");
	return 1;
}

// powerOn(): enable the PHY's supply. The driver is installed by the constructor, called >= 50 ms later from a timer
// so the LAN8720A is out of power-on reset without blocking the event loop.
void xs_poe_ethernet_power_on(xsMachine *the)
{
	gpio_reset_pin(MODDEF_POE_POWER);
	gpio_set_direction(MODDEF_POE_POWER, GPIO_MODE_OUTPUT);
	gpio_set_level(MODDEF_POE_POWER, 1);
}

static void poeInstall(xsMachine *the)
{
	esp_err_t err;

	err = esp_netif_init();
	if ((ESP_OK != err) && (ESP_ERR_INVALID_STATE != err))
		xsUnknownError("esp_netif_init failed");
	err = esp_event_loop_create_default();
	if ((ESP_OK != err) && (ESP_ERR_INVALID_STATE != err))
		xsUnknownError("event loop failed");

	esp_netif_config_t netifConfig = ESP_NETIF_DEFAULT_ETH();
	gNetif = esp_netif_new(&netifConfig);
	if (!gNetif)
		xsUnknownError("esp_netif_new failed");

	eth_mac_config_t macConfig = ETH_MAC_DEFAULT_CONFIG();
	eth_esp32_emac_config_t emacConfig = ETH_ESP32_EMAC_DEFAULT_CONFIG();
	emacConfig.smi_gpio.mdc_num = MODDEF_POE_MDC;
	emacConfig.smi_gpio.mdio_num = MODDEF_POE_MDIO;
	emacConfig.interface = EMAC_DATA_INTERFACE_RMII;
	emacConfig.clock_config.rmii.clock_mode = EMAC_CLK_OUT;			// 50 MHz from the APLL ...
	emacConfig.clock_config.rmii.clock_gpio = MODDEF_POE_CLOCK_OUT;	// ... out on GPIO17 (inverted phase)
	esp_eth_mac_t *mac = esp_eth_mac_new_esp32(&emacConfig, &macConfig);

	eth_phy_config_t phyConfig = ETH_PHY_DEFAULT_CONFIG();
	phyConfig.phy_addr = MODDEF_POE_PHY_ADDRESS;
	phyConfig.reset_gpio_num = -1;									// no reset line: power is switched by GPIO12
	esp_eth_phy_t *phy = esp_eth_phy_new_lan87xx(&phyConfig);

	if (!mac || !phy) {
		if (mac) mac->del(mac);
		if (phy) phy->del(phy);
		esp_netif_destroy(gNetif);
		gNetif = NULL;
		xsUnknownError("EMAC/PHY allocation failed");
	}

	esp_eth_config_t ethConfig = ETH_DEFAULT_CONFIG(mac, phy);
	err = esp_eth_driver_install(&ethConfig, &gEth);
	if (ESP_OK != err) {
		mac->del(mac);
		phy->del(phy);
		esp_netif_destroy(gNetif);
		gNetif = NULL;
		gEth = NULL;
		xsUnknownError("Ethernet driver install failed (PHY not found at address 0? clock?)");
	}

	esp_netif_attach(gNetif, esp_eth_new_netif_glue(gEth));
	esp_event_handler_instance_register(ETH_EVENT, ESP_EVENT_ANY_ID, poeEthEvent, NULL, NULL);
	esp_event_handler_instance_register(IP_EVENT, IP_EVENT_ETH_GOT_IP, poeIPEvent, NULL, NULL);
	esp_event_handler_instance_register(IP_EVENT, IP_EVENT_ETH_LOST_IP, poeIPEvent, NULL, NULL);
}

// new PoeEthernet({onChanged, hostname, static: {address, mask, gateway, dns}})
void xs_poe_ethernet(xsMachine *the)
{
	if (gOwner)
		xsUnknownError("Ethernet already open");

	xsmcVars(3);
	if (NULL == gNetif)
		poeInstall(the);

	if (xsmcHas(xsArg(0), xsID_hostname)) {
		xsmcGet(xsVar(0), xsArg(0), xsID_hostname);
		esp_netif_set_hostname(gNetif, xsmcToString(xsVar(0)));
	}
	if (xsmcHas(xsArg(0), xsID_static)) {
		xsmcGet(xsVar(1), xsArg(0), xsID_static);
		if (xsmcTest(xsVar(1))) {
			esp_netif_ip_info_t info = {0};
			poeParseIP(the, &xsVar(1), xsID_address, &info.ip, 1);
			poeParseIP(the, &xsVar(1), xsID_mask, &info.netmask, 1);
			poeParseIP(the, &xsVar(1), xsID_gateway, &info.gw, 1);
			esp_netif_dhcpc_stop(gNetif);
			if (ESP_OK != esp_netif_set_ip_info(gNetif, &info))
				xsUnknownError("static address rejected");
			esp_netif_dns_info_t dns = {0};
			if (poeParseIP(the, &xsVar(1), xsID_dns, &dns.ip.u_addr.ip4, 0)) {
				dns.ip.type = ESP_IPADDR_TYPE_V4;
				esp_netif_set_dns_info(gNetif, ESP_NETIF_DNS_MAIN, &dns);
			}
		}
	}

	// start before taking ownership: a failure here leaves nothing half-open, and the next attempt starts again.
	// Events that fire before the owner exists are not lost: JavaScript reads link and address right after.
	if (!gStarted) {
		if (ESP_OK != esp_eth_start(gEth))
			xsUnknownError("esp_eth_start failed");
		gStarted = 1;
	}

	PoeEthernet poe = c_calloc(1, sizeof(PoeEthernetRecord));
	if (!poe)
		xsUnknownError("no memory");
	poe->the = the;
	poe->obj = xsThis;
	poe->useCount = 1;
	poe->onChanged = builtinGetCallback(the, xsID_onChanged);		// from xsArg(0); kept alive by poeMark
	xsmcSetHostData(xsThis, poe);
	xsSetHostHooks(xsThis, &gPoeHooks);
	xsRemember(poe->obj);
	gOwner = poe;
}

void xs_poe_ethernet_close(xsMachine *the)
{
	PoeEthernet poe = xsmcGetHostData(xsThis);
	if (!poe)
		return;
	xsmcGetHostDataValidate(xsThis, (void *)&gPoeHooks);
	poe->closed = 1;
	if (gOwner == poe)
		gOwner = NULL;
	xsForget(poe->obj);
	xsmcSetHostData(xsThis, NULL);
	xsSetHostDestructor(xsThis, NULL);
	poeRelease(poe);
	// the EMAC keeps running: a later `new PoeEthernet()` attaches to it again
}

void xs_poe_ethernet_get_link(xsMachine *the)
{
	xsmcSetBoolean(xsResult, gLink ? 1 : 0);
}

void xs_poe_ethernet_get_address(xsMachine *the)
{
	esp_netif_ip_info_t info;
	char buffer[16];
	if (!gNetif || !gLink)
		return;
	if ((ESP_OK != esp_netif_get_ip_info(gNetif, &info)) || !info.ip.addr)
		return;
	esp_ip4addr_ntoa(&info.ip, buffer, sizeof(buffer));
	xsmcSetString(xsResult, buffer);
}

void xs_poe_ethernet_get_mac(xsMachine *the)
{
	uint8_t mac[6];
	char buffer[18];
	if (ESP_OK != esp_read_mac(mac, ESP_MAC_ETH))
		return;
	snprintf(buffer, sizeof(buffer), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	xsmcSetString(xsResult, buffer);
}
