// XS lane stand-in for Moddable's "text/encoder" module: xsnap's native TextEncoder (Moddable's own encoder code).
export default (globalThis as any).TextEncoder;
