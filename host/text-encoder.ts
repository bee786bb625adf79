// Host implementation of Moddable's "text/encoder" module: the platform's own TextEncoder.
export default globalThis.TextEncoder;
