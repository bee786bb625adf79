/**
 * Module customization hooks (node:module register) for the host platform: resolve each Moddable platform
 * specifier to the file URL of its host implementation. The table comes from host/register.mjs (host/modules.json).
 */
let map = Object.create(null);

export async function initialize(data) {
  map = Object.assign(Object.create(null), data?.map);
}

export async function resolve(specifier, context, nextResolve) {
  const url = map[specifier];
  if (url !== undefined) return { url, format: "module", shortCircuit: true };
  return nextResolve(specifier, context);
}
