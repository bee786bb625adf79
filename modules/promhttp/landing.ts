/*
 * The exporter's landing page at "/": pure ASCII (every name escaped, ../text/html), bounded (name and version are
 * cut to NAME_MAX characters by the handler).
 */
import { escapeHtml } from "../text/html";

export const HTML = "text/html; charset=utf-8";

/** "1d 2h 3m 4s" (days only when there are some) */
export function formatUptime(seconds: number): string {
  let s = Math.floor(seconds > 0 ? seconds : 0);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return (d ? String(d) + "d " : "") + String(h) + "h " + String(m) + "m " + String(s) + "s";
}

/** the page: name, version (omitted when ""), uptime in seconds, and links to the metrics path and the health check */
export function landingPage(name: string, version: string, path: string, uptime: number): string {
  const n = escapeHtml(name);
  const p = escapeHtml(path);
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>' +
    n +
    "</title></head>\n<body><h1>" +
    n +
    "</h1>\n<p>Prometheus exporter" +
    (version ? " version " + escapeHtml(version) : "") +
    ", up " +
    formatUptime(uptime) +
    ".</p>\n" +
    '<p><a href="' +
    p +
    '">Metrics</a> (' +
    p +
    ') &middot; <a href="/-/healthy">Health</a></p>\n</body></html>\n'
  );
}
