// The wire protocol's version. An agent announces it in the handshake; the control
// plane accepts versions from MIN_PROTOCOL_VERSION up to PROTOCOL_VERSION.
export const PROTOCOL_VERSION = 1;
export const MIN_PROTOCOL_VERSION = 1;
