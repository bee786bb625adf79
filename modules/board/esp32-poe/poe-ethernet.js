/*
 * Native binding of poe-ethernet.c (Olimex ESP32-POE Ethernet). Used by network-monitor.ts; see poe-ethernet.d.ts.
 */
class PoeEthernet @ "xs_poe_ethernet_destructor" {
	constructor(options) @ "xs_poe_ethernet";
	close() @ "xs_poe_ethernet_close";
	get link() @ "xs_poe_ethernet_get_link";
	get address() @ "xs_poe_ethernet_get_address";
	get MAC() @ "xs_poe_ethernet_get_mac";
	static powerOn() @ "xs_poe_ethernet_power_on";
}

export default PoeEthernet;
