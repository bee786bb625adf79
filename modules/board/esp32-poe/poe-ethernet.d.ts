/** Native Ethernet of the Olimex ESP32-POE (poe-ethernet.c / poe-ethernet.js). One instance at a time. */
export default class PoeEthernet {
  /** installs the EMAC/PHY driver on first use (call powerOn() >= 50 ms before), then starts it; throws on failure */
  constructor(options: {
    hostname?: string;
    static?: { address: string; mask: string; gateway: string; dns?: string | undefined } | undefined;
    onChanged?: (what: "link" | "address") => void;
  });
  close(): void;
  readonly link: boolean;
  /** IPv4 address while the link is up and an address is assigned, else undefined */
  readonly address: string | undefined;
  readonly MAC: string | undefined;
  /** switch the LAN8720A's supply on (GPIO12) */
  static powerOn(): void;
}
